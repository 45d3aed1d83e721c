package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// TestScreenshots writes the wizard's screens at 390×844, in English and
// Chinese, into the directory VERIWALLET_SHOTS names (skipped without it):
//
//	VERIWALLET_SHOTS=$PWD/docs/screenshots go test -run TestScreenshots ./internal/web/
//
// It starts the application as the binary wires it, on SQLite (with the
// tests' stand-in document reader and SMS sender), registers a customer
// through the page and walks the wizard: consent, details, phone, the ID
// card's front taken with the (fake) camera from a generated card, the back
// chosen as a file, submit, the decision, then the account page and the
// inbox. Each PNG is reduced to a palette to stay small.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("VERIWALLET_SHOTS")
	if dir == "" {
		t.Skip("set VERIWALLET_SHOTS to a directory to write the screenshots")
	}
	tmp := t.TempDir()
	y4m := filepath.Join(tmp, "card.y4m")
	if err := writeY4M(y4m, idCard(nil), 6); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(tmp, "id_back.jpg")
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, idCard(func(s *synth.Spec) { s.Side = synth.Back; s.Seed = 9 }), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(back, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := cameraBrowser(t, y4m)
	// China time, as most customers' phones.
	if err := do(ctx, cdpDo(emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		// A server per language: the same card in two accounts would go to
		// a reviewer as a duplicate identity.
		env := newWizardServer(t, nil)
		out := filepath.Join(dir, lang)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		shot := func(name string) {
			t.Helper()
			var raw []byte
			if err := do(ctx, chromedp.Sleep(300e6), into(&raw, chromedp.CaptureScreenshot())); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			small, err := shrinkPNG(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, name+".png"), small, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			if err := do(ctx, actions...); err != nil {
				t.Fatalf("%s %s: %v\n%s", lang, name, err, pageText(ctx))
			}
		}
		email := "shots-" + lang + "@example.com"
		step("register",
			chromedp.Navigate(env.srv.URL+"/lang/"+lang+"?back=/register"),
			chromedp.WaitVisible(css("#submit")),
			chromedp.SendKeys(css("#account"), email),
			chromedp.SendKeys(css("#password"), "short"),
			chromedp.Click(css("#submit")),
			chromedp.WaitVisible(css("#err-password")))
		shot("01-register-errors")
		step("register again",
			chromedp.SendKeys(css("#password"), "long enough pass"),
			chromedp.Click(css("#accept")),
			chromedp.Click(css("#submit")),
			chromedp.WaitVisible(css("#account-login")))
		shot("02-account-new")
		step("consent", chromedp.Click(css("#account-next-link")), chromedp.WaitVisible(css("#verify-start")),
			chromedp.Click(css("#verify-start")), chromedp.WaitVisible(css("#screen-consent")))
		shot("03-consent")
		step("applicant", chromedp.Click(css("#consent-accept")), chromedp.Click(css("#consent-continue")),
			chromedp.WaitVisible(css("#f-full_name")),
			chromedp.SendKeys(css("#f-full_name"), cardName),
			chromedp.SendKeys(css("#f-id_number"), cardNumber),
			chromedp.SendKeys(css("#f-phone"), cardPhone),
			chromedp.Click(css("#screen-applicant h2")))
		shot("04-details")
		step("phone", chromedp.Click(css("#applicant-next")), chromedp.WaitVisible(css("#phone-send")),
			chromedp.Click(css("#phone-send")), chromedp.WaitVisible(css("#phone-code")))
		step("code", chromedp.SendKeys(css("#phone-code"), env.sender.code("+86"+cardPhone)))
		shot("05-phone")
		step("documents", chromedp.Click(css("#phone-confirm")), chromedp.WaitVisible(css("#camera-id_front")),
			chromedp.Click(css("#photo-examples summary")))
		shot("06-documents")
		step("camera", chromedp.Click(css("#camera-id_front")), chromedp.WaitVisible(css("#camera[data-hint]")))
		shot("07-camera")
		step("preview", chromedp.WaitVisible(css("#camera-use")))
		shot("08-camera-taken")
		step("front done", chromedp.Click(css("#camera-use")), chromedp.WaitVisible(css(`#doc-id_front[data-done="true"]`)),
			chromedp.SetUploadFiles(css("#file-id_back"), []string{back}),
			chromedp.WaitVisible(css(`#doc-id_back[data-done="true"]`)),
			chromedp.ScrollIntoView(css("#doc-id_front")))
		shot("09-documents-done")
		step("submit", chromedp.Click(css("#documents-next")), chromedp.WaitVisible(css("#submit-case")))
		shot("10-submit")
		step("decision", chromedp.Click(css("#submit-case")), chromedp.WaitVisible(css(`#status-title[data-status="approved"]`)))
		shot("11-decision")
		step("account", chromedp.Navigate(env.srv.URL+"/account"), chromedp.WaitVisible(css("#account-level")))
		shot("12-account")
		step("inbox", chromedp.Click(css("#nav-inbox")), chromedp.WaitVisible(css("#inbox")))
		shot("13-inbox")
		step("logout", chromedp.Navigate(env.srv.URL+"/account"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#password")))
	}
}

// commonColours is a palette of the n most common colours of img (counted
// at 5 bits a channel, each the mean of its bin): pages have few colours,
// so text and flat areas come out exact.
func commonColours(img image.Image, n int) color.Palette {
	type bin struct{ r, g, b, count int }
	bins := map[int]*bin{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			k := int(r>>3)<<10 | int(g>>3)<<5 | int(bl>>3)
			e := bins[k]
			if e == nil {
				e = &bin{}
				bins[k] = e
			}
			e.r += int(r)
			e.g += int(g)
			e.b += int(bl)
			e.count++
		}
	}
	list := make([]*bin, 0, len(bins))
	for _, e := range bins {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].count > list[j].count })
	var pal color.Palette
	for _, e := range list[:min(n, len(list))] {
		pal = append(pal, color.RGBA{uint8(e.r / e.count), uint8(e.g / e.count), uint8(e.b / e.count), 255})
	}
	return pal
}

// shrinkPNG re-encodes a screenshot with a palette of its 256 most common
// colours (Floyd–Steinberg for the rest), which keeps text crisp and the
// file a fraction of the size.
func shrinkPNG(raw []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	pal := image.NewPaletted(img.Bounds(), commonColours(img, 256))
	draw.FloydSteinberg.Draw(pal, img.Bounds(), img, image.Point{})
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, pal); err != nil {
		return nil, err
	}
	if out.Len() > len(raw) {
		return raw, nil
	}
	return out.Bytes(), nil
}
