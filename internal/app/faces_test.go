package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/face"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// A real photograph of a person: pigo's test portrait (see
// internal/document/testdata/face/README.md).
func portrait(t testing.TB) image.Image {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "document", "testdata", "face", "portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func jpegOf(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// selfieOf puts n copies of the portrait, scaled by scale, side by side in a
// 640×480 grey frame, with gain applied to every pixel (a darker or
// brighter room).
func selfieOf(t testing.TB, n int, scale, gain float64) image.Image {
	t.Helper()
	src := portrait(t)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	xdraw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, xdraw.Src)
	w, h := int(320*scale), int(400*scale)
	for i := range n {
		cx := 640 * (2*i + 1) / (2 * n)
		xdraw.CatmullRom.Scale(dst, image.Rect(cx-w/2, 240-h/2, cx+w/2, 240+h/2), src, src.Bounds(), xdraw.Src, nil)
	}
	if gain != 1 {
		for i := range dst.Pix {
			if i%4 != 3 {
				dst.Pix[i] = uint8(math.Min(255, float64(dst.Pix[i])*gain))
			}
		}
	}
	return dst
}

// cardWith is a generated ID card front; with the real portrait pasted into
// its photo box when real is set (else the generator's drawn face).
func cardWith(t testing.TB, seed uint64, real bool) image.Image {
	t.Helper()
	s := synth.Spec{Seed: seed, W: 1280, H: 720, Side: synth.Front, CardWidth: 0.66, CX: 0.5, CY: 0.5, Background: 0, Noise: 1, Gain: 0.95}
	img := synth.Render(s)
	if real {
		cw := s.CardWidth * float64(s.W)
		ch := cw / (85.6 / 54.0)
		x0, y0 := 0.5*float64(s.W)-cw/2, 0.5*float64(s.H)-ch/2
		box := image.Rect(int(x0+0.64*cw), int(y0+0.17*ch), int(x0+0.92*cw), int(y0+0.77*ch))
		xdraw.CatmullRom.Scale(img, box, portrait(t), portrait(t).Bounds(), xdraw.Src, nil)
	}
	return img
}

// fieldsReader stands in for the OCR engines: the card "says" what the
// applicant typed.
type fieldsReader struct{ a verification.Applicant }

func (r fieldsReader) Available() error    { return nil }
func (r fieldsReader) CanRead(string) bool { return true }
func (r fieldsReader) Read(ctx context.Context, kind document.Kind, img []byte) (verification.Reading, error) {
	f := verification.ReadFields{}
	switch kind {
	case document.KindIDFront:
		f["name"] = verification.ReadField{Value: r.a.FullName, Confidence: 0.99}
		f["id_number"] = verification.ReadField{Value: r.a.IDNumber, Confidence: 0.99}
	case document.KindIDBack:
		f["valid_until"] = verification.ReadField{Value: "2040-01-01", Confidence: 0.99}
	}
	return verification.Reading{Fields: f, Kind: string(kind), KindConfidence: 0.99, Engine: "test"}, nil
}

// openFaceEngine opens the installed face models, or skips.
func openFaceEngine(t *testing.T) *face.Engine {
	t.Helper()
	e, err := face.Open(face.DefaultDir())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("face models not installed (scripts/setup.sh installs them): %s", face.Detail(err))
		}
		t.Skipf("face models not installed: %s (run scripts/face/setup.sh)", face.Detail(err))
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// selfieLevels: standard with a selfie, face_match and liveness, as an
// operator's levels file adds them.
func selfieLevels(t *testing.T) *verification.Levels {
	ls := verification.DefaultLevels()
	for i := range ls.Levels {
		if l := &ls.Levels[i]; l.Name == verification.LevelStandard {
			docs := map[string][]verification.DocumentRule{}
			for typ, rules := range l.Documents {
				docs[typ] = append(slices.Clone(rules), verification.DocumentRule{AnyOf: []string{verification.DocSelfie}})
			}
			l.Documents = docs
			l.Checks = append(slices.Clone(l.Checks), verification.CheckFaceMatch, verification.CheckLiveness)
		}
	}
	ls.Attempts.Limit = 50 // one customer, many cases
	if err := ls.Validate(); err != nil {
		t.Fatal(err)
	}
	return &ls
}

type faceCase struct {
	d      verification.Decision
	checks []verification.CheckResult
}

// facePipeline runs cases of one customer through the real application
// with the real face engine (and OCR stood in for).
type facePipeline struct {
	app   *App
	codes *lastCode
	user  string
	a     verification.Applicant
}

func newFacePipeline(t *testing.T, faces verification.FaceAnalyzer, th verification.FaceThresholds) *facePipeline {
	a := verification.Applicant{FullName: "张三", IDType: verification.IDCNResident, IDNumber: "110105199003072311", Phone: "13800138000"}
	codes := &lastCode{}
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	dir := t.TempDir()
	db := sqltest.Open(t, "sqlite")
	app, err := New(context.Background(), Options{DB: db, Keys: sqltest.Keyring(t), DataDir: dir,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, Reader: fieldsReader{a}, Sender: codes,
		PhoneLimits: &verification.PhoneLimits{PerUserDay: 50, MaxFailures: 50}, Levels: selfieLevels(t),
		Faces: faces, FaceThresholds: th})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := app.Accounts.Register(ctx, identity.RegisterInput{Email: "face@example.com", Password: "long enough pass", AcceptTermsVersion: identity.DefaultTermsVersion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Accounts.GiveConsent(ctx, u.ID, identity.ConsentSensitive, identity.DefaultConfig.PrivacyVersion); err != nil {
		t.Fatal(err)
	}
	return &facePipeline{app: app, codes: codes, user: u.ID, a: a}
}

// decide runs one standard case with these photos through the service.
func (p *facePipeline) decide(t *testing.T, front, selfie image.Image) faceCase {
	ctx, v := context.Background(), p.app.Verifications
	t.Helper()
	c, err := v.Create(ctx, p.user, verification.LevelStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, fes, err := v.UpdateApplicant(ctx, p.user, c.ID, p.a); err != nil || len(fes) > 0 {
		t.Fatalf("applicant: %v %+v", err, fes)
	}
	if err := v.SendPhoneCode(ctx, p.user, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ConfirmPhone(ctx, p.user, c.ID, p.codes.code); err != nil {
		t.Fatal(err)
	}
	back := synth.Render(synth.Spec{Seed: 99, W: 1280, H: 720, Side: synth.Back, CardWidth: 0.66, CX: 0.5, CY: 0.5, Noise: 1, Gain: 0.95})
	for _, d := range []struct {
		slot string
		img  image.Image
	}{{verification.DocIDFront, front}, {verification.DocIDBack, back}, {verification.DocSelfie, selfie}} {
		doc, _, err := p.app.Documents.Create(ctx, p.user, verification.GateKind(d.slot), jpegOf(t, d.img, 90))
		if err != nil || !doc.Accepted {
			t.Fatalf("upload %s: %v %+v", d.slot, err, doc)
		}
		if _, err := v.AttachDocument(ctx, p.user, c.ID, d.slot, doc.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Submit(ctx, p.user, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := v.Process(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	got, err := v.Store.Case(ctx, c.ID)
	if err != nil || got.Decision == nil {
		t.Fatalf("case: %v %+v", err, got)
	}
	checks, err := p.app.Cases.Checks(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return faceCase{*got.Decision, checks}
}

func (fc faceCase) check(kind string) verification.CheckResult {
	for _, c := range fc.checks {
		if c.Kind == kind {
			return c
		}
	}
	return verification.CheckResult{}
}

// TestFacePipelineRealEngine runs the pipeline with the real face models on
// the one real photograph here and its transformations: the same person on
// the card and in the selfie is a match; the generator's drawn portrait is
// never a match (a reviewer); two people in the selfie ask for a new one.
// The fixture is a photograph of a photograph, which the liveness model
// scores low: with the engine's threshold the selfie is asked for again.
func TestFacePipelineRealEngine(t *testing.T) {
	e := openFaceEngine(t)
	th := FaceThresholds(face.DefaultThresholds())
	p := newFacePipeline(t, FaceAnalyzer(e, nil), th)

	t.Run("same person: match", func(t *testing.T) {
		fc := p.decide(t, cardWith(t, 11, true), selfieOf(t, 1, 1, 1.1))
		m, l := fc.check(verification.CheckFaceMatch), fc.check(verification.CheckLiveness)
		t.Logf("similarity %.3f (match ≥ %.2f), liveness %.3f: %s %v", m.Score, th.Match, l.Score, fc.d.Status, fc.d.Reasons)
		if m.Outcome != verification.OutcomePass || m.Score < th.Match {
			t.Fatalf("face_match %+v", m)
		}
		// Approved when the selfie scored live; else only a new selfie is
		// asked for (the fixture is a photograph of a photograph, and the
		// model says so): never a reviewer for the match, never a rejection.
		live := l.Outcome == verification.OutcomePass && fc.d.Status == verification.StatusApproved
		retake := l.Outcome == verification.OutcomeFail && fc.d.Status == verification.StatusRetryRequired &&
			slices.Equal(fc.d.Reasons, []string{verification.CodeSelfieNotLive})
		if !live && !retake {
			t.Fatalf("decision %s %v with liveness %+v", fc.d.Status, fc.d.Reasons, l)
		}
		if _, ok := verification.ParseFaceBox(m.Detail["portrait_box"]); !ok {
			t.Fatalf("no portrait box for the reviewer: %v", m.Detail)
		}
	})
	t.Run("drawn portrait: never a match", func(t *testing.T) {
		fc := p.decide(t, cardWith(t, 12, false), selfieOf(t, 1, 0.9, 1))
		m := fc.check(verification.CheckFaceMatch)
		t.Logf("drawn portrait: %s %v similarity %s, portrait faces %s", m.Outcome, m.Reasons, m.Detail["similarity"], m.Detail["portrait_faces"])
		if m.Outcome == verification.OutcomePass || fc.d.Status == verification.StatusApproved || fc.d.Status == verification.StatusRejected {
			t.Fatalf("drawn portrait decided %s (%+v)", fc.d.Status, m)
		}
		if fc.d.Status != verification.StatusManualReview {
			t.Fatalf("drawn portrait: %s %v, want a reviewer", fc.d.Status, fc.d.Reasons)
		}
	})
	t.Run("another person: a reviewer, never a rejection", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("..", "face", "testdata", "astronaut.jpg"))
		if err != nil {
			t.Skip(err)
		}
		other, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		fc := p.decide(t, cardWith(t, 16, true), other)
		m := fc.check(verification.CheckFaceMatch)
		t.Logf("another person: %s %v similarity %s; decision %s %v", m.Outcome, m.Reasons, m.Detail["similarity"], fc.d.Status, fc.d.Reasons)
		if m.Outcome == verification.OutcomePass || fc.d.Status != verification.StatusManualReview {
			t.Fatalf("another person decided %s (%+v)", fc.d.Status, m)
		}
		for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
			for _, r := range verification.CustomerReasons(fc.d.Status, fc.d.Findings, lang) {
				if strings.HasPrefix(r.Code, "FACE_") {
					t.Fatalf("the customer is told %s", r.Code)
				}
			}
		}
	})
	t.Run("two people in the selfie", func(t *testing.T) {
		fc := p.decide(t, cardWith(t, 13, true), selfieOf(t, 2, 0.7, 1))
		if fc.d.Status != verification.StatusRetryRequired || !slices.Equal(fc.d.Reasons, []string{verification.CodeSelfieManyFaces}) {
			t.Fatalf("two faces: %s %v %+v", fc.d.Status, fc.d.Reasons, fc.check(verification.CheckFaceMatch))
		}
	})
	t.Run("embeddings never stored", func(t *testing.T) {
		// What the face checks record: counts, boxes, the score and the
		// thresholds; never a vector.
		known := map[string]bool{"selfie_faces": true, "selfie_box": true, "portrait_faces": true, "portrait_box": true,
			"portrait_document": true, "similarity": true, "threshold_match": true, "threshold_review": true, "threshold": true, "why": true}
		fc := p.decide(t, cardWith(t, 14, true), selfieOf(t, 1, 0.95, 0.9))
		for _, c := range fc.checks {
			if c.Kind != verification.CheckFaceMatch && c.Kind != verification.CheckLiveness {
				continue
			}
			for k, v := range c.Detail {
				if !known[k] || len(v) > 40 {
					t.Fatalf("%s detail %s=%q", c.Kind, k, v)
				}
			}
		}
	})
	t.Run("liveness of the fixture", func(t *testing.T) {
		// Live, the selfie may be approved; otherwise it is asked for
		// again (SELFIE_NOT_LIVE), never rejected.
		fc := p.decide(t, cardWith(t, 15, true), selfieOf(t, 1, 1, 1))
		l := fc.check(verification.CheckLiveness)
		t.Logf("liveness %.3f (live ≥ %.2f): %s %v", l.Score, th.Live, fc.d.Status, fc.d.Reasons)
		switch {
		case l.Outcome == verification.OutcomePass && fc.d.Status == verification.StatusApproved:
		case l.Outcome == verification.OutcomeFail && fc.d.Status == verification.StatusRetryRequired &&
			slices.Equal(fc.d.Reasons, []string{verification.CodeSelfieNotLive}) && slices.Equal(fc.d.RetrySteps, []string{"documents:selfie"}):
		default:
			t.Fatalf("liveness %+v gave %s %v", l, fc.d.Status, fc.d.Reasons)
		}
	})
}

// TestFacesUnavailable: without the face models the application starts,
// /readyz stays 200 and names faces unavailable (optional), and a case that
// needs a selfie goes to a reviewer instead of failing.
func TestFacesUnavailable(t *testing.T) {
	_, err := face.Open(t.TempDir())
	if err == nil {
		t.Fatal("face.Open of an empty directory succeeded")
	}
	p := newFacePipeline(t, FaceAnalyzer(nil, err), FaceThresholds(face.DefaultThresholds()))
	srv := httptest.NewServer(p.app.Handler)
	defer srv.Close()
	res, err2 := http.Get(srv.URL + "/readyz")
	if err2 != nil {
		t.Fatal(err2)
	}
	var body struct {
		Status string `json:"status"`
		Checks map[string]struct {
			Status, Detail string
			Optional       bool
		} `json:"checks"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	f := body.Checks["faces"]
	if res.StatusCode != 200 || f.Status != "unavailable" || !f.Optional || !strings.Contains(f.Detail, "not installed") {
		t.Fatalf("readyz %d %+v", res.StatusCode, body)
	}
	fc := p.decide(t, cardWith(t, 21, true), selfieOf(t, 1, 1, 1))
	if fc.d.Status != verification.StatusManualReview || !slices.Contains(fc.d.Reasons, verification.CodeEngineUnavailable) {
		t.Fatalf("without models: %s %v", fc.d.Status, fc.d.Reasons)
	}
	if m := fc.check(verification.CheckFaceMatch); m.Outcome != verification.OutcomeError || !strings.Contains(fmt.Sprint(m.Detail), "not installed") {
		t.Fatalf("face_match without models: %+v", m)
	}
}

// BenchmarkFaceChecks is the face engine's work per case: the selfie
// (detection, embedding, liveness) and the document's portrait (detection,
// embedding), from the stored JPEGs.
func BenchmarkFaceChecks(b *testing.B) {
	e, err := face.Open(face.DefaultDir())
	if err != nil {
		b.Skip(face.Detail(err))
	}
	defer e.Close()
	selfie, card := jpegOf(b, selfieOf(b, 1, 1, 1), 90), jpegOf(b, cardWith(b, 11, true), 90)
	fa := FaceAnalyzer(e, nil)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := fa.Analyze(ctx, selfie, true); err != nil {
			b.Fatal(err)
		}
		if _, err := fa.Analyze(ctx, card, false); err != nil {
			b.Fatal(err)
		}
	}
}
