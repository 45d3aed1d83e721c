package web_test

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	xdraw "golang.org/x/image/draw"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// sameFaces stands in for the face engine: every photo holds one face of
// the same person, live. It records what it was asked.
type sameFaces struct {
	mu    sync.Mutex
	calls []bool // liveness asked, per call
}

func (f *sameFaces) Available() error { return nil }
func (f *sameFaces) Analyze(ctx context.Context, img []byte, liveness bool) (verification.FaceAnalysis, error) {
	f.mu.Lock()
	f.calls = append(f.calls, liveness)
	f.mu.Unlock()
	return verification.FaceAnalysis{Faces: []verification.FaceBox{{X: 10, Y: 10, W: 100, H: 100, Score: 0.99}},
		Embedding: []float32{1, 0, 0}, Liveness: 0.9, Engine: "test"}, nil
}

// selfieStandard is the default configuration with a selfie and the face
// checks added to standard for every ID type, as an operator's levels file
// does.
func selfieStandard(t *testing.T) *verification.Levels {
	t.Helper()
	ls := verification.DefaultLevels()
	for i := range ls.Levels {
		l := &ls.Levels[i]
		if l.Name != verification.LevelStandard {
			continue
		}
		docs := map[string][]verification.DocumentRule{}
		for typ, rules := range l.Documents {
			docs[typ] = append(slices.Clone(rules), verification.DocumentRule{AnyOf: []string{verification.DocSelfie}})
		}
		l.Documents = docs
		l.Checks = append(slices.Clone(l.Checks), verification.CheckFaceMatch, verification.CheckLiveness)
	}
	if err := ls.Validate(); err != nil {
		t.Fatal(err)
	}
	return &ls
}

// selfieFrame is the fixture portrait (a real photograph) in the middle of
// a 640×480 grey picture, as a laptop's front camera gives.
func selfieFrame(t *testing.T) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "document", "testdata", "face", "portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	b := src.Bounds()
	draw.Draw(dst, image.Rect(320-b.Dx()/2, 240-b.Dy()/2, 320+b.Dx()/2, 240+b.Dy()/2), src, b.Min, draw.Src)
	return dst
}

// TestSelfieStep walks the selfie step in Chromium with a fake front camera
// playing a real photograph, on a standard level an operator extended with
// a selfie: a photo without a face, chosen as the selfie, is refused with
// SELFIE_NO_FACE and its hint; the camera then finds one face (the server's
// preview), takes the selfie by itself, uploads it through the same upload
// path and gate, and the submitted case is decided with the face checks
// run (approved: the stand-in engine says same person, live). In English
// and Chinese.
func TestSelfieStep(t *testing.T) {
	y4m := filepath.Join(t.TempDir(), "face.y4m")
	if err := writeY4M(y4m, selfieFrame(t), 6); err != nil {
		t.Fatal(err)
	}
	ctx := cameraBrowser(t, y4m)
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			faces := &sameFaces{}
			env := newWizardServerWith(t, nil, func(o *app.Options) {
				o.Levels = selfieStandard(t)
				o.Faces = faces
				o.FaceThresholds = verification.FaceThresholds{Match: 0.5, Review: 0.3, Live: 0.5}
			})
			registerAndLogin(t, ctx, env.srv, "selfie-"+lang+"@example.com")
			if lang == "zh-CN" {
				if err := do(ctx, chromedp.Navigate(env.srv.URL+"/lang/zh-CN?back=/account"), chromedp.WaitVisible(css("#account-login"))); err != nil {
					t.Fatal(err)
				}
			}
			caseID := startCase(t, ctx)
			fillApplicant(t, ctx, cardName)
			confirmPhone(t, ctx, env)

			// A photo without a face as the selfie: refused at upload, with
			// the reason's hint in the slot.
			var hint, button string
			if err := do(ctx,
				chromedp.WaitVisible(css("#camera-selfie")),
				into(&button, chromedp.Text(css("#camera-selfie"))),
				chromedp.SetUploadFiles(css("#file-selfie"), []string{calib(t, "010_good.jpg")}),
				chromedp.WaitVisible(css(`#reasons-selfie li[data-code="SELFIE_NO_FACE"]`)),
				into(&hint, chromedp.Text(css(`#reasons-selfie li[data-code="SELFIE_NO_FACE"] .reason-hint`))),
			); err != nil {
				t.Fatalf("faceless selfie: %v\n%s", err, pageText(ctx))
			}
			wantButton, wantHint := "Take the selfie with the front camera", "whole face inside the oval"
			if lang == "zh-CN" {
				wantButton, wantHint = "用前置摄像头自拍", "让整张脸位于椭圆框内"
			}
			if button != wantButton || !strings.Contains(hint, wantHint) {
				t.Fatalf("button %q, hint %q", button, hint)
			}

			// The front camera: one face found, the selfie taken by itself.
			var how, seen, shownHint string
			if err := do(ctx,
				chromedp.Click(css("#camera-selfie")),
				chromedp.WaitVisible(css("#selfie-video")),
				chromedp.WaitVisible(css("#selfie-photo")),
				into(&how, chromedp.Evaluate[string](`document.getElementById('selfie').dataset.captured`)),
				into(&seen, chromedp.Evaluate[string](`document.getElementById('selfie').dataset.faces`)),
				into(&shownHint, chromedp.Evaluate[string](`document.getElementById('selfie').dataset.hint`)),
				chromedp.Click(css("#selfie-use")),
				chromedp.WaitVisible(css(`#doc-selfie[data-done="true"]`)),
			); err != nil {
				t.Fatalf("selfie camera: %v\n%s", err, pageText(ctx))
			}
			if how != "auto" || seen != "1" || shownHint != "good" {
				t.Fatalf("captured %q with %s faces, hint %q", how, seen, shownHint)
			}
			if n := countNodes(ctx, "#selfie"); n != 0 {
				t.Fatalf("selfie camera still open (%d)", n)
			}
			uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
			submitAndWait(t, ctx, "approved")
			faces.mu.Lock()
			calls := slices.Clone(faces.calls)
			faces.mu.Unlock()
			if !slices.Equal(calls, []bool{true, false}) {
				t.Fatalf("face engine asked %v: want the selfie with liveness, then the portrait", calls)
			}
			c, err := env.app.Cases.Checks(context.Background(), caseID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(c, func(r verification.CheckResult) bool {
				return r.Kind == verification.CheckFaceMatch && r.Outcome == verification.OutcomePass
			}) {
				t.Fatalf("no passed face_match among %+v", c)
			}
			if lang != "en" {
				return
			}
			// The reviewer sees both faces side by side, with the score.
			if _, err := env.app.Accounts.Register(context.Background(), identity.RegisterInput{Email: "rev-faces@example.com",
				Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
				t.Fatal(err)
			}
			logout(t, ctx, env.srv.URL)
			staffLogin(t, ctx, env.srv.URL, "rev-faces@example.com", "")
			var score, outcome, caption string
			var drawn int
			if err := do(ctx, chromedp.Navigate(env.srv.URL+"/review/cases/"+caseID),
				chromedp.WaitVisible(css(`#face-selfie[data-drawn="true"]`)),
				chromedp.WaitVisible(css(`#face-portrait[data-drawn="true"]`)),
				into(&score, chromedp.Text(css("#face-score"))),
				into(&outcome, chromedp.Text(css("#face-outcome"))),
				into(&caption, chromedp.Text(css("#face-portrait + figcaption"))),
				into(&drawn, chromedp.Evaluate[int](`document.querySelectorAll('#faces canvas[data-box]:not([data-box=""])').length`)),
			); err != nil {
				t.Fatalf("reviewer's faces: %v\n%s", err, pageText(ctx))
			}
			if !strings.Contains(score, "Similarity: 1.000") || !strings.Contains(score, "Liveness: 0.90") || drawn != 2 {
				t.Fatalf("reviewer sees %q, %d faces cropped", score, drawn)
			}
			// Said in words, not as the check's outcome code.
			if outcome != "same person" || !strings.Contains(caption, "portrait on the document") {
				t.Fatalf("reviewer sees outcome %q, portrait captioned %q", outcome, caption)
			}
			screenshot(t, ctx, "console-faces")
		})
	}
}

// frameOf is a 640×480 frame with n copies of the portrait scaled by
// scale, every pixel times gain.
func frameOf(t *testing.T, n int, scale, gain float64) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "document", "testdata", "face", "portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	w, h := int(320*scale), int(400*scale)
	for i := range n {
		cx := 640 * (2*i + 1) / (2 * n)
		xdraw.CatmullRom.Scale(dst, image.Rect(cx-w/2, 240-h/2, cx+w/2, 240+h/2), src, src.Bounds(), draw.Src, nil)
	}
	for i := range dst.Pix {
		if i%4 != 3 {
			dst.Pix[i] = uint8(min(255, float64(dst.Pix[i])*gain))
		}
	}
	return dst
}

// TestSelfieHints: the selfie camera's live hints on a fake camera: no
// face, several faces, too far (from the server's preview), too dark
// (measured in the page); none of them is taken by itself.
func TestSelfieHints(t *testing.T) {
	env := newWizardServer(t, nil)
	for _, tc := range []struct {
		name  string
		frame image.Image
		want  string
	}{
		{"no face", frameOf(t, 0, 1, 1), "noface"},
		{"two faces", frameOf(t, 2, 0.7, 1), "many"},
		{"far away", frameOf(t, 1, 0.3, 1), "far"},
		{"dark", frameOf(t, 1, 1, 0.25), "dark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y4m := filepath.Join(t.TempDir(), "frame.y4m")
			if err := writeY4M(y4m, tc.frame, 4); err != nil {
				t.Fatal(err)
			}
			ctx := cameraBrowser(t, y4m)
			registerAndLogin(t, ctx, env.srv, "hint-"+tc.want+"@example.com")
			startCase(t, ctx)
			var tip, captured string
			if err := do(ctx,
				into(&captured, chromedp.Evaluate[string](`VWSelfie.open({title: 'selfie', t: k => k, onCapture() {}, onUnavailable() {}}), ''`)),
				chromedp.WaitVisible(css(`#selfie[data-hint="`+tc.want+`"]`)),
				into(&tip, chromedp.Text(css("#selfie-hint"))),
				chromedp.Sleep(1500), // long enough for an auto-capture, were it good
				into(&captured, chromedp.Evaluate[string](`document.getElementById('selfie').dataset.captured || ''`)),
			); err != nil {
				var h string
				_ = do(ctx, into(&h, chromedp.Evaluate[string](`(e => e ? e.dataset.hint + ' faces ' + e.dataset.faces + ' light ' + e.dataset.light : 'closed')(document.getElementById('selfie'))`)))
				t.Fatalf("hint %s: %v (shown: %s)", tc.want, err, h)
			}
			wantTip := "selfie." + tc.want
			if tc.want == "dark" {
				wantTip = "cam.dark"
			}
			if tip != wantTip || captured != "" {
				t.Fatalf("tip %q (want %q), captured %q", tip, wantTip, captured)
			}
		})
	}
}
