package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// writeY4M writes img as a YUV4MPEG2 (C420, BT.601 studio range) video of
// frames identical frames, the format Chromium's fake camera plays.
func writeY4M(path string, img image.Image, frames int) error {
	b := img.Bounds()
	w, h := b.Dx()&^1, b.Dy()&^1
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420\n", w, h)
	yp := make([]byte, w*h)
	up := make([]byte, w*h/4)
	vp := make([]byte, w*h/4)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			R, G, B := float64(r>>8), float64(g>>8), float64(bl>>8)
			yp[y*w+x] = clamp8(16 + 0.257*R + 0.504*G + 0.098*B)
		}
	}
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			var R, G, B float64
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				r, g, bl, _ := img.At(b.Min.X+x+d[0], b.Min.Y+y+d[1]).RGBA()
				R += float64(r>>8) / 4
				G += float64(g>>8) / 4
				B += float64(bl>>8) / 4
			}
			i := (y/2)*(w/2) + x/2
			up[i] = clamp8(128 - 0.148*R - 0.291*G + 0.439*B)
			vp[i] = clamp8(128 + 0.439*R - 0.368*G - 0.071*B)
		}
	}
	for range frames {
		bw.WriteString("FRAME\n")
		bw.Write(yp)
		bw.Write(up)
		bw.Write(vp)
	}
	return bw.Flush()
}

func clamp8(v float64) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v + 0.5)
}

// idCard is a generated photo of an ID card's front (a drawn portrait and
// print on a dark desk), 1280×720 as a phone camera gives.
func idCard(mod func(*synth.Spec)) *image.RGBA {
	s := synth.Spec{Seed: 7, W: 1280, H: 720, Side: synth.Front, CardWidth: 0.66, CX: 0.5, CY: 0.5, Angle: 1.5,
		Background: 0, Noise: 1, Gain: 0.95}
	if mod != nil {
		mod(&s)
	}
	return synth.Render(s)
}

// cameraBrowser is newBrowser with a fake camera playing y4m.
func cameraBrowser(t *testing.T, y4m string) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed (scripts/setup.sh installs it)")
		}
		t.Skip("chromium not installed; run scripts/setup.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", y4m),
		chromedp.WindowSize(390, 844))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	actx, cancel1 := context.WithTimeout(actx, 90*time.Second)
	t.Cleanup(cancel1)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestCameraCapture walks the camera path in Chromium with a fake camera
// playing a generated ID card: the camera opens on the ID-front slot, the
// frame is judged good and steady, the photo is taken by itself, shown
// with retake/use, and uploaded and accepted like a chosen file. A camera
// that is refused leaves the file picker with a message saying why. In
// English and Chinese.
func TestCameraCapture(t *testing.T) {
	y4m := filepath.Join(t.TempDir(), "card.y4m")
	if err := writeY4M(y4m, idCard(nil), 6); err != nil {
		t.Fatal(err)
	}
	env := newWizardServer(t, nil)
	ctx := cameraBrowser(t, y4m)
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			registerAndLogin(t, ctx, env.srv, "camera-"+lang+"@example.com")
			if lang == "zh-CN" {
				if err := do(ctx, chromedp.Navigate(env.srv.URL+"/lang/zh-CN?back=/account"), chromedp.WaitVisible(css("#account-login"))); err != nil {
					t.Fatal(err)
				}
			}
			startCase(t, ctx)
			fillApplicant(t, ctx, cardName)
			confirmPhone(t, ctx, env)
			var how, hint, measure, button, examples string
			var thumb bool
			if err := do(ctx,
				chromedp.WaitVisible(css("#camera-id_front")),
				into(&button, chromedp.Text(css("#camera-id_front"))),
				into(&examples, chromedp.Text(css("#photo-examples summary"))),
				chromedp.Click(css("#camera-id_front")),
				chromedp.WaitVisible(css("#camera-video")),
				chromedp.WaitVisible(css("#camera-photo")), // taken by itself: nobody pressed the shutter
				into(&how, chromedp.Evaluate[string](`document.getElementById('camera').dataset.captured`)),
				into(&hint, chromedp.Evaluate[string](`document.getElementById('camera').dataset.hint`)),
				into(&measure, chromedp.Evaluate[string](`document.getElementById('camera').dataset.measure`)),
			); err != nil {
				t.Fatalf("camera: %v\n%s", err, pageText(ctx))
			}
			t.Logf("%s: captured %s, last hint %s, measure %s", lang, how, hint, measure)
			if how != "auto" || hint != "good" {
				t.Fatalf("captured %q with hint %q (%s), want auto and good", how, hint, measure)
			}
			wantButton, wantExamples := "Take the photo with the camera", "Examples of good and bad photos"
			if lang == "zh-CN" {
				wantButton, wantExamples = "用相机拍摄", "照片示例（合格与不合格）"
			}
			if button != wantButton || examples != wantExamples {
				t.Fatalf("texts %q %q", button, examples)
			}
			// Retake goes back to the live picture; the shutter takes it at once.
			if err := do(ctx,
				chromedp.Click(css("#camera-retake")),
				chromedp.WaitVisible(css("#camera-shutter")),
				chromedp.Click(css("#camera-shutter")),
				chromedp.WaitVisible(css("#camera-use")),
				into(&how, chromedp.Evaluate[string](`document.getElementById('camera').dataset.captured`)),
				chromedp.Click(css("#camera-use")),
				chromedp.WaitVisible(css(`#doc-id_front[data-done="true"]`)),
				into(&thumb, chromedp.Evaluate[bool](`(i => !i.hidden && i.naturalWidth === 1280)(document.getElementById('thumb-id_front'))`)),
			); err != nil {
				t.Fatalf("use the photo: %v\n%s", err, pageText(ctx))
			}
			if how != "button" || !thumb {
				t.Fatalf("shutter gave %q, thumbnail shown %v", how, thumb)
			}
			if n := countNodes(ctx, "#camera"); n != 0 {
				t.Fatalf("camera still open (%d)", n)
			}
			// A refused camera: the picker stays, with the reason.
			var note string
			if err := do(ctx,
				into(&thumb, chromedp.Evaluate[bool](`navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no', 'NotAllowedError')), true`)),
				chromedp.Click(css("#camera-id_back")),
				chromedp.WaitVisible(css("#camera-note-id_back")),
				into(&note, chromedp.Text(css("#camera-note-id_back"))),
				chromedp.SetUploadFiles(css("#file-id_back"), []string{calib(t, "010_good.jpg")}),
				chromedp.WaitVisible(css(`#doc-id_back[data-done="true"]`)),
			); err != nil {
				t.Fatalf("refused camera: %v\n%s", err, pageText(ctx))
			}
			want := "The camera was not allowed"
			if lang == "zh-CN" {
				want = "未获得相机权限"
			}
			if !strings.Contains(note, want) {
				t.Fatalf("refused camera says %q", note)
			}
			if err := do(ctx, chromedp.Navigate(env.srv.URL+"/lang/en?back=/account"), chromedp.WaitVisible(css("#logout")), chromedp.Click(css("#logout")),
				chromedp.WaitVisible(css("#password"))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func countNodes(ctx context.Context, sel string) int {
	var n int
	_ = do(ctx, into(&n, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`)))
	return n
}

// TestCameraHints checks the in-page light check on generated photos: each
// fault gives its hint, a good card none.
func TestCameraHints(t *testing.T) {
	srv := newServer(t)
	_, ctx := newBrowser(t)
	if err := do(ctx, chromedp.Navigate(srv.URL+"/static/camera.js")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*synth.Spec)
		want string
	}{
		{"good", nil, ""},
		{"good, other desk", func(s *synth.Spec) { s.Background = 3; s.Seed = 11 }, ""},
		{"dark", func(s *synth.Spec) { s.Gain = 0.2 }, "dark"},
		{"overexposed", func(s *synth.Spec) { s.Gain, s.Offset = 1.8, 40 }, "bright"},
		{"glare", func(s *synth.Spec) { s.Glare, s.GlareR, s.GlareX, s.GlareY = 260, 0.12, 0.1, -0.1 }, "glare"},
		{"blurry", func(s *synth.Spec) { s.Blur = 5 }, "blurry"},
		{"blurry, moderately", func(s *synth.Spec) { s.Blur = 2.5 }, "blurry"},
		{"slightly soft", func(s *synth.Spec) { s.Blur = 0.8 }, ""},
		{"far away", func(s *synth.Spec) { s.CardWidth = 0.3 }, "closer"},
	} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, idCard(tc.mod), &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		src := "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
		var got map[string]any
		err := do(ctx, into(&got, chromedp.Evaluate[map[string]any](`new Promise((ok, fail) => {
			const s = document.createElement('script'); s.src = '/static/camera.js';
			const run = () => { const i = new Image(); i.onload = () => ok(VWCamera.check(i)); i.onerror = fail; i.src = '`+src+`'; };
			if (window.VWCamera) { run(); } else { s.onload = run; document.head.appendChild(s); }
		})`, chromedp.EvalAwaitPromise)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Logf("%-18s %v", tc.name, got)
		if got["hint"] != tc.want {
			t.Errorf("%s: hint %q, want %q (%v)", tc.name, got["hint"], tc.want, got)
		}
	}
}
