package verification

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// fakeFaces answers Analyze from a table keyed by the image's bytes.
type fakeFaces struct {
	unavailable error
	by          map[string]FaceAnalysis
	fail        map[string]error
	calls       []string
}

func (f *fakeFaces) Available() error { return f.unavailable }
func (f *fakeFaces) Analyze(ctx context.Context, img []byte, liveness bool) (FaceAnalysis, error) {
	f.calls = append(f.calls, fmt.Sprintf("%s:%v", img, liveness))
	if err := f.fail[string(img)]; err != nil {
		return FaceAnalysis{Engine: "fake"}, err
	}
	a, ok := f.by[string(img)]
	if !ok {
		return FaceAnalysis{Engine: "fake", Liveness: -1}, nil
	}
	a.Engine = "fake"
	if !liveness {
		a.Liveness = -1
	}
	return a, nil
}

// unit returns an L2-normalised 4-d embedding at angle deg from (1,0,0,0),
// so that the cosine similarity of two of them is cos(difference).
func unit(deg float64) []float32 {
	r := deg * math.Pi / 180
	return []float32{float32(math.Cos(r)), float32(math.Sin(r)), 0, 0}
}

func face(n int, emb []float32, live float64) FaceAnalysis {
	a := FaceAnalysis{Embedding: emb, Liveness: live}
	for i := range n {
		a.Faces = append(a.Faces, FaceBox{X: 10 + 100*i, Y: 20, W: 80, H: 100, Score: 0.9})
	}
	if n == 0 {
		a.Embedding = nil
	}
	return a
}

var testThresholds = FaceThresholds{Match: 0.6, Review: 0.4, Live: 0.5}

// selfieLevels is the default configuration with a selfie and the face
// checks added to standard, as an operator's levels file does.
func selfieLevels(t *testing.T) Levels {
	t.Helper()
	ls, err := ParseLevels([]byte(selfieLevelsJSON))
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// selfieLevelsJSON is the example levels file: standard with a selfie
// and the face checks.
var selfieLevelsJSON = func() string {
	b, err := os.ReadFile("testdata/levels-selfie.json")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// TestFaceDecisions runs the face checks on a fake engine and decides a
// standard case whose level requires a selfie: a match approves; no face,
// several faces and a re-capture ask for a new selfie; a mismatch and an
// unsure comparison go to a person, never a rejection, and the customer is
// never told "mismatch"; unavailable models send the case to a person.
func TestFaceDecisions(t *testing.T) {
	ls := selfieLevels(t)
	a := adult()
	if a.IDType != "cn_resident" {
		t.Fatalf("test applicant's ID type is %q", a.IDType)
	}
	docs := map[string]string{DocIDFront: "front", DocIDBack: "back", DocSelfie: "selfie"}
	quality := []CheckResult{pass(CheckDocumentQuality, DocIDFront), pass(CheckDocumentQuality, DocIDBack), pass(CheckDocumentQuality, DocSelfie)}
	load := func(id string) ([]byte, error) { return []byte(id), nil }
	run := func(f *fakeFaces) ([]CheckResult, Decision) {
		t.Helper()
		cs, err := runFaceChecks(context.Background(), f, testThresholds, docs, quality, load)
		if err != nil {
			t.Fatal(err)
		}
		return cs, ls.Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), append(cs, quality[2])...), at)
	}
	doc := face(1, unit(0), -1)
	for _, tc := range []struct {
		name    string
		selfie  FaceAnalysis
		doc     *FaceAnalysis
		status  Status
		reasons []string
		visible string // the code the customer sees
	}{
		{"same person", face(1, unit(20), 0.9), nil, StatusApproved, []string{}, ""},
		{"no face", face(0, nil, -1), nil, StatusRetryRequired, []string{CodeSelfieNoFace}, CodeSelfieNoFace},
		{"two faces", face(2, unit(5), 0.9), nil, StatusRetryRequired, []string{CodeSelfieManyFaces}, CodeSelfieManyFaces},
		{"photo of a photo", face(1, unit(10), 0.2), nil, StatusRetryRequired, []string{CodeSelfieNotLive}, CodeSelfieNotLive},
		{"another person", face(1, unit(80), 0.9), nil, StatusManualReview, []string{CodeFaceMismatch}, CodeUnderReview},
		{"another person, re-captured", face(1, unit(80), 0.1), nil, StatusManualReview, nil, CodeUnderReview},
		{"unsure", face(1, unit(60), 0.9), nil, StatusManualReview, []string{CodeFaceReviewRequired}, CodeUnderReview},
		{"drawn portrait", face(1, unit(0), 0.9), new(face(0, nil, -1)), StatusManualReview, []string{CodeFaceReviewRequired}, CodeUnderReview},
		{"liveness not computed", face(1, unit(0), -1), nil, StatusManualReview, []string{CodeEngineUnavailable}, CodeUnderReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := doc
			if tc.doc != nil {
				d = *tc.doc
			}
			f := &fakeFaces{by: map[string]FaceAnalysis{"selfie": tc.selfie, "front": d}}
			cs, dec := run(f)
			if dec.Status != tc.status || (tc.reasons != nil && !slices.Equal(dec.Reasons, tc.reasons)) {
				t.Fatalf("decision %s %v, want %s %v\nchecks %+v", dec.Status, dec.Reasons, tc.status, tc.reasons, cs)
			}
			if dec.Status == StatusRejected {
				t.Fatal("a face check rejected a customer")
			}
			for _, c := range cs {
				for k, v := range c.Detail {
					if strings.Contains(v, "0.9396") || strings.Contains(k, "embedding") {
						t.Fatalf("an embedding leaked into the check's detail: %s=%s", k, v)
					}
				}
			}
			for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
				seen := CustomerReasons(dec.Status, dec.Findings, lang)
				if tc.visible == "" {
					if len(seen) != 0 {
						t.Fatalf("approved case shows %+v", seen)
					}
					continue
				}
				if len(seen) == 0 || seen[0].Code != tc.visible {
					t.Fatalf("%s: customer sees %+v, want %s", lang, seen, tc.visible)
				}
				for _, p := range seen {
					if strings.Contains(strings.ToLower(p.Message+p.Hint), "mismatch") || strings.Contains(p.Message+p.Hint, "不一致") ||
						p.Code == CodeFaceMismatch || p.Code == CodeFaceReviewRequired {
						t.Fatalf("%s: the customer is told about the comparison: %+v", lang, p)
					}
				}
				if tc.visible == CodeSelfieNotLive && lang == i18n.EN && !strings.Contains(seen[0].Hint, "not a photo of a photo") {
					t.Fatalf("SELFIE_NOT_LIVE hint: %q", seen[0].Hint)
				}
				if tc.status == StatusRetryRequired && seen[0].Step != "documents:selfie" {
					t.Fatalf("%s: step %q, want documents:selfie", tc.visible, seen[0].Step)
				}
			}
			if tc.status == StatusRetryRequired && !slices.Equal(dec.RetrySteps, []string{"documents:selfie"}) {
				t.Fatalf("retry steps %v: only the selfie reopens", dec.RetrySteps)
			}
		})
	}

	t.Run("models not installed", func(t *testing.T) {
		for _, f := range []FaceAnalyzer{nil, &fakeFaces{unavailable: ErrFacesUnavailable}} {
			cs, err := runFaceChecks(context.Background(), f, testThresholds, docs, quality, load)
			if err != nil {
				t.Fatal(err)
			}
			dec := ls.Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), append(cs, quality[2])...), at)
			if dec.Status != StatusManualReview || !slices.Equal(dec.Reasons, []string{CodeEngineUnavailable}) {
				t.Fatalf("without models: %s %v", dec.Status, dec.Reasons)
			}
		}
	})
	t.Run("engine error", func(t *testing.T) {
		f := &fakeFaces{fail: map[string]error{"selfie": errors.New("onnx: boom")}}
		cs, err := runFaceChecks(context.Background(), f, testThresholds, docs, quality, load)
		if err != nil {
			t.Fatal(err)
		}
		if dec := ls.Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), append(cs, quality[2])...), at); dec.Status != StatusManualReview {
			t.Fatalf("engine error: %+v", dec)
		}
	})
	t.Run("thresholds unset", func(t *testing.T) {
		f := &fakeFaces{by: map[string]FaceAnalysis{"selfie": face(1, unit(0), 0.9), "front": doc}}
		cs, _ := runFaceChecks(context.Background(), f, FaceThresholds{}, docs, quality, load)
		if cs[0].Outcome != OutcomeError {
			t.Fatalf("unset thresholds decided: %+v", cs[0])
		}
	})
	t.Run("refused selfie is not analysed", func(t *testing.T) {
		f := &fakeFaces{by: map[string]FaceAnalysis{"selfie": face(1, unit(0), 0.9), "front": doc}}
		q := slices.Clone(quality)
		q[2] = CheckResult{Kind: CheckDocumentQuality, Document: DocSelfie, Outcome: OutcomeFail, Reasons: []string{CodeSelfieNoFace}}
		cs, _ := runFaceChecks(context.Background(), f, testThresholds, docs, q, load)
		if len(f.calls) != 0 || cs[0].Outcome != OutcomeSkipped {
			t.Fatalf("analysed a refused selfie: %v %+v", f.calls, cs)
		}
		dec := ls.Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), append(cs, q[2])...), at)
		if dec.Status != StatusRetryRequired || !slices.Equal(dec.Reasons, []string{CodeSelfieNoFace}) {
			t.Fatalf("refused selfie: %s %v", dec.Status, dec.Reasons)
		}
	})
	t.Run("no selfie uploaded", func(t *testing.T) {
		cs, _ := runFaceChecks(context.Background(), &fakeFaces{}, testThresholds, map[string]string{DocIDFront: "front"}, quality, load)
		dec := ls.Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), cs...), at)
		if dec.Status != StatusRetryRequired || !slices.Contains(dec.RetrySteps, "documents:selfie") {
			t.Fatalf("no selfie: %s %v %v", dec.Status, dec.Reasons, dec.RetrySteps)
		}
	})
	t.Run("similarity recorded, boxes for the reviewer", func(t *testing.T) {
		f := &fakeFaces{by: map[string]FaceAnalysis{"selfie": face(1, unit(20), 0.9), "front": doc}}
		cs, _ := runFaceChecks(context.Background(), f, testThresholds, docs, quality, load)
		m := cs[0]
		if m.Kind != CheckFaceMatch || m.Detail["similarity"] != "0.940" || m.Score != 0.94 || m.Detail["portrait_document"] != DocIDFront {
			t.Fatalf("face_match record: %+v", m)
		}
		if b, ok := ParseFaceBox(m.Detail["selfie_box"]); !ok || b.W != 80 {
			t.Fatalf("selfie box %q", m.Detail["selfie_box"])
		}
		if cs[1].Kind != CheckLiveness || cs[1].Score != 0.9 || cs[1].Outcome != OutcomePass {
			t.Fatalf("liveness record: %+v", cs[1])
		}
		if !slices.Equal(f.calls, []string{"selfie:true", "front:false"}) {
			t.Fatalf("analysed %v", f.calls)
		}
	})
}

func TestEnhancedRequiresSelfie(t *testing.T) {
	ls := DefaultLevels()
	enh, _ := ls.Level(LevelEnhanced)
	if !slices.Contains(enh.Checks, CheckFaceMatch) || !slices.Contains(enh.Checks, CheckLiveness) {
		t.Fatalf("enhanced checks %v", enh.Checks)
	}
	for _, typ := range IDTypes {
		reqs := ls.Requirements(LevelEnhanced, Applicant{IDType: typ}, at)
		if !slices.ContainsFunc(reqs, func(r Requirement) bool { return r.Type == ReqDocument && r.Name == DocSelfie }) {
			t.Errorf("enhanced %s: no selfie required: %+v", typ, reqs)
		}
		for _, lvl := range []Level{LevelBasic, LevelStandard} {
			if slices.ContainsFunc(ls.Requirements(lvl, Applicant{IDType: typ}, at), func(r Requirement) bool { return r.Name == DocSelfie }) {
				t.Errorf("%s %s asks for a selfie", lvl, typ)
			}
		}
	}
	// A face check without a selfie for every ID type is refused.
	bad := strings.Replace(selfieLevelsJSON, `, {"any_of": ["selfie"]}`, "", 1)
	if _, err := ParseLevels([]byte(bad)); err == nil || !strings.Contains(err.Error(), "selfie") {
		t.Fatalf("face_match without a selfie: %v", err)
	}
	bad = strings.Replace(selfieLevelsJSON, `{"any_of": ["selfie"]}`, `{"any_of": ["selfie", "visa"]}`, 1)
	if _, err := ParseLevels([]byte(bad)); err == nil {
		t.Fatal("a selfie as one of several choices was accepted")
	}
	if _, err := ParseLevels([]byte(strings.Replace(selfieLevelsJSON, `"selfie"`, `"selfy"`, 1))); err == nil {
		t.Fatal("an unknown document kind was accepted")
	}
	if GateKind(DocSelfie) != "selfie" {
		t.Fatalf("selfie gate kind %q", GateKind(DocSelfie))
	}
}

func TestFaceThresholdsValidate(t *testing.T) {
	for _, tc := range []struct {
		th FaceThresholds
		ok bool
	}{
		{testThresholds, true},
		{FaceThresholds{Match: 0.3, Review: 0.5, Live: 0.5}, false},
		{FaceThresholds{Match: 1.5, Review: 0.5, Live: 0.5}, false},
		{FaceThresholds{Match: 0.5, Review: 0.4, Live: -0.1}, false},
		{FaceThresholds{Match: math.NaN(), Review: 0.4, Live: 0.5}, false},
		{FaceThresholds{}, false},
	} {
		if err := tc.th.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.th, err)
		}
	}
}

func TestCosine(t *testing.T) {
	if s, ok := cosine(unit(0), unit(90)); !ok || math.Abs(s) > 1e-6 {
		t.Fatalf("orthogonal %v %v", s, ok)
	}
	if s, ok := cosine([]float32{2, 0}, []float32{3, 0}); !ok || math.Abs(s-1) > 1e-9 {
		t.Fatalf("unnormalised %v", s)
	}
	for _, p := range [][2][]float32{{{1}, {1, 0}}, {{0, 0}, {1, 0}}, {nil, nil}} {
		if _, ok := cosine(p[0], p[1]); ok {
			t.Fatalf("cosine(%v,%v) ok", p[0], p[1])
		}
	}
	for _, s := range []string{"", "1,2,3", "-1,0,5,5", "1,1,0,5", "a,b,c,d"} {
		if _, ok := ParseFaceBox(s); ok {
			t.Errorf("ParseFaceBox(%q) ok", s)
		}
	}
}

// TestFaceChecksNotRequired: a selfie on a level that does not ask for one
// is compared when the engine is there; without the engine nothing is held
// up.
func TestFaceChecksNotRequired(t *testing.T) {
	ls := DefaultLevels()
	c := &Case{Level: LevelStandard, Documents: map[string]string{DocIDFront: "front", DocSelfie: "selfie"}}
	quality := []CheckResult{pass(CheckDocumentQuality, DocIDFront), pass(CheckDocumentQuality, DocSelfie)}
	s := &Service{Levels: ls, FaceThresholds: testThresholds}
	cs, err := s.faceChecks(context.Background(), c, quality)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cs {
		if r.Outcome != OutcomeSkipped || len(r.Reasons) != 0 {
			t.Fatalf("without models, a selfie standard does not ask for: %+v", r)
		}
	}
	if d := ls.Decide(LevelStandard, adult(), append(goodChecks(DocIDFront, DocIDBack), append(cs, quality[1])...), at); d.Status != StatusApproved {
		t.Fatalf("held up by an optional selfie: %s %v", d.Status, d.Reasons)
	}
}
