package document

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

func newTestGate(t testing.TB, cfg Config) *Gate {
	t.Helper()
	g, err := NewGate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// goodSpec is a clean 800×600 photo of an ID card front.
func goodSpec() synth.Spec {
	return synth.Spec{Seed: 11, W: 800, H: 600, Side: synth.Front, CardWidth: 0.72, CX: 0.5, CY: 0.5,
		Angle: 4, Background: 0, Noise: 1, Quality: 88, Gain: 0.95}
}

func encodeSpec(t testing.TB, s synth.Spec) []byte {
	t.Helper()
	b, err := synth.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and a valid IHDR for w×h RGB, and nothing else.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	chunk := append([]byte("IHDR"), ihdr...)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// withSOFSize rewrites the frame size of a baseline JPEG.
func withSOFSize(t testing.TB, jpg []byte, w, h uint16) []byte {
	out := append([]byte(nil), jpg...)
	done := false
	_ = walkJPEG(out, func(s jpegSegment) bool {
		if s.marker == 0xc0 || s.marker == 0xc2 {
			binary.BigEndian.PutUint16(out[s.start+5:], h)
			binary.BigEndian.PutUint16(out[s.start+7:], w)
			done = true
			return false
		}
		return true
	})
	if !done {
		t.Fatal("no SOF")
	}
	return out
}

func TestCheckRefusals(t *testing.T) {
	good := encodeSpec(t, goodSpec())
	corruptPNG := encodePNG(t, image.NewGray(image.Rect(0, 0, 400, 400)))
	corruptPNG[len(corruptPNG)-20] ^= 0xff // inside IDAT: checksum fails
	tests := []struct {
		name string
		cfg  Config
		data []byte
		code string
	}{
		{"empty", Config{}, nil, CodeFileEmpty},
		{"too large", Config{Limits: Limits{MaxBytes: 1000}}, good, CodeFileTooLarge},
		{"heic", Config{}, []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), CodeFormatHEIC},
		{"webp", Config{}, []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), CodeFormatWebP},
		{"pdf", Config{}, []byte("%PDF-1.4\n1 0 obj\n"), CodeFormatPDF},
		{"truncated jpeg", Config{}, good[:len(good)/2], CodeImageCorrupt},
		{"jpeg header only", Config{}, good[:300], CodeImageCorrupt},
		{"corrupt png", Config{}, corruptPNG, CodeImageCorrupt},
		{"png bomb", Config{}, pngHeader(50000, 50000), CodeTooManyPixels},
		{"jpeg bomb", Config{}, withSOFSize(t, good, 65000, 65000), CodeTooManyPixels},
		{"bomb under a lower limit", Config{Limits: Limits{MaxPixels: 100_000}}, good, CodeTooManyPixels},
		{"strip", Config{}, pngHeader(4000, 10), CodeDimensions},
		{"absurd side", Config{}, pngHeader(30000, 1000), CodeDimensions},
		{"tiny", Config{}, encodePNG(t, image.NewGray(image.Rect(0, 0, 120, 90))), CodeTooSmall},
		{"zero width png", Config{}, pngHeader(0, 100), CodeImageCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := newTestGate(t, tt.cfg).Check(tt.data, KindIDFront)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Accepted || !rep.Has(tt.code) {
				t.Fatalf("got %v, want refused with %s", rep, tt.code)
			}
			if len(rep.SHA256) != 64 {
				t.Errorf("sha256 = %q", rep.SHA256)
			}
			if rep.Clean != nil {
				t.Error("a refused-before-decoding file has a clean copy")
			}
		})
	}
}

func TestCheckGood(t *testing.T) {
	data := encodeSpec(t, goodSpec())
	rep, err := newTestGate(t, Config{}).Check(data, KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted || len(rep.Reasons) != 0 {
		t.Fatalf("good card refused: %v", rep)
	}
	if rep.Format != FormatJPEG || rep.Width != 800 || rep.Height != 600 {
		t.Errorf("format/size: %v", rep)
	}
	for _, k := range []string{"resolution", "sharpness", "brightness", "clipped", "glare", "cut_off", "face", "document_found", "screen_capture"} {
		v, ok := rep.Scores[k]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("score %s = %v, %v", k, v, ok)
		}
	}
	if rep.Face == nil || rep.Document == nil {
		t.Fatalf("face %v document %v", rep.Face, rep.Document)
	}
	// The card: 576×363 px centred in the frame, turned 4°.
	var area float64
	for i, c := range rep.Document {
		if c[0] < 80 || c[0] > 720 || c[1] < 80 || c[1] > 520 {
			t.Errorf("corner %d at %v, outside the card's neighbourhood", i, c)
		}
		n := rep.Document[(i+1)%4]
		area += c[0]*n[1] - n[0]*c[1]
	}
	if area = math.Abs(area) / 2; area < 0.9*576*363 || area > 1.1*576*363 {
		t.Errorf("outline area %.0f, want about %d", area, 576*363)
	}
	// The portrait sits on the right of the card: x from 0.62 to 0.94 of
	// the card width, the card spanning 0.14..0.86 of the frame.
	if cx := rep.Face.X + rep.Face.W/2; cx < 440 || cx > 620 {
		t.Errorf("face centre x = %d, want on the portrait (440..620)", cx)
	}
	if _, err := jpeg.Decode(bytes.NewReader(rep.Clean)); err != nil {
		t.Errorf("clean copy does not decode: %v", err)
	}
}

func TestCheckKind(t *testing.T) {
	g := newTestGate(t, Config{})
	_, err := g.Check(encodeSpec(t, goodSpec()), "drivers_license")
	if !errors.Is(err, ErrKind) || errs.KindOf(err) != errs.Invalid {
		t.Fatalf("err = %v", err)
	}
}

// lumaDiff is the mean absolute luma difference of two images of one size.
func lumaDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v %v", a.Bounds(), b.Bounds())
	}
	pa, pb := lumaPlane(a, 1<<20), lumaPlane(b, 1<<20)
	var sum float64
	for i := range pa.p {
		sum += math.Abs(float64(pa.p[i]) - float64(pb.p[i]))
	}
	return sum / float64(len(pa.p))
}

// Every EXIF orientation: the report and the clean copy are upright, the
// portrait is found where it is, and no metadata survives.
func TestOrientation(t *testing.T) {
	g := newTestGate(t, Config{})
	upright := synth.Render(goodSpec())
	for o := 1; o <= 8; o++ {
		s := goodSpec()
		s.Orientation = o
		data := encodeSpec(t, s)
		if o > 1 && readJPEGMeta(data).Orientation != o {
			t.Fatalf("orientation %d not written", o)
		}
		rep, err := g.Check(data, KindIDFront)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Accepted || rep.Width != 800 || rep.Height != 600 {
			t.Errorf("orientation %d: %v", o, rep)
			continue
		}
		clean, err := DecodeImage(rep.Clean)
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		if d := lumaDiff(t, clean, upright); d > 6 {
			t.Errorf("orientation %d: clean copy differs from the upright picture by %.1f", o, d)
		}
		// Not re-encoded: the pixels are the original's, as shot.
		asShot, err := jpeg.Decode(bytes.NewReader(rep.Clean))
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := jpeg.Decode(bytes.NewReader(data))
		if d := lumaDiff(t, asShot, orig); d != 0 {
			t.Errorf("orientation %d: clean copy re-encoded (pixels differ by %.2f)", o, d)
		}
		// Of the metadata only the orientation is left.
		if m := readJPEGMeta(rep.Clean); m != (metadata{Orientation: o, Exif: o > 1}) || bytes.Contains(rep.Clean, []byte("SynthCam")) {
			t.Errorf("orientation %d: metadata left in the clean copy: %+v", o, m)
		}
		if app := appSegments(t, rep.Clean); o == 1 && len(app) != 0 || o > 1 && (len(app) != 1 || len(app[0]) != 36-4) {
			t.Errorf("orientation %d: APPn segments in the clean copy: %q", o, app)
		}
		if rep.Face == nil {
			t.Errorf("orientation %d: no face", o)
		} else if cx := rep.Face.X + rep.Face.W/2; cx < 440 || cx > 620 {
			t.Errorf("orientation %d: face centre x = %d", o, cx)
		}
	}
}

// appSegments returns the payloads of a JPEG's APPn and COM segments.
func appSegments(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	if err := walkJPEG(b, func(s jpegSegment) bool {
		if s.marker >= 0xe0 && s.marker <= 0xef || s.marker == 0xfe {
			out = append(out, s.payload)
		}
		return s.marker != 0xda
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseTIFF(t *testing.T) {
	jpg := encodeSpec(t, goodSpec())
	md := readJPEGMeta(synth.WithExif(jpg, 6))
	if md != (metadata{Orientation: 6, Exif: true, Camera: true, GPS: true}) {
		t.Errorf("metadata = %+v", md)
	}
	if md := readJPEGMeta(jpg); md != (metadata{Orientation: 1}) {
		t.Errorf("no EXIF: %+v", md)
	}
	// Truncated and hostile EXIF blocks fall back to the defaults.
	for _, tiff := range [][]byte{nil, []byte("II*\x00"), []byte("II*\x00\xff\xff\xff\xff"), []byte("MM\x00*\x00\x00\x00\x08\xff\xff"), []byte("XX*\x00\x08\x00\x00\x00")} {
		if md := parseTIFF(tiff); md.Orientation != 1 {
			t.Errorf("parseTIFF(%q) = %+v", tiff, md)
		}
	}
	// An orientation out of range is ignored.
	bad := synth.WithExif(jpg, 9)
	if md := readJPEGMeta(bad); md.Orientation != 1 {
		t.Errorf("orientation 9 read as %d", md.Orientation)
	}
}

func TestCleanStripsMetadata(t *testing.T) {
	g := newTestGate(t, Config{})
	src := encodeSpec(t, goodSpec())
	// EXIF with GPS, camera make and model (upright, and turned 6 and 3),
	// a comment, XMP, and data after EOI.
	for _, o := range []int{1, 6, 3} {
		withMeta := synth.WithExif(src, o)
		com := []byte{0xff, 0xfe, 0x00, 0x0a, 'S', 'E', 'C', 'R', 'E', 'T', '!', '!'}
		xmp := append([]byte{0xff, 0xe1, 0, 2 + 29 + 7}, "http://ns.adobe.com/xap/1.0/\x00<GPS/>\x00"...)
		withMeta = append(append(append(append([]byte(nil), withMeta[:2]...), com...), xmp...), withMeta[2:]...)
		withMeta = append(withMeta, []byte("TRAILING-PAYLOAD")...)
		orig, err := jpeg.Decode(bytes.NewReader(withMeta))
		if err != nil {
			t.Fatal(err)
		}
		for _, reencode := range []bool{false, true} {
			g.cfg.AlwaysReencode = reencode
			rep, err := g.Check(withMeta, KindIDFront)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"SynthCam", "SECRET", "TRAILING", "GPS", "xap"} {
				if bytes.Contains(rep.Clean, []byte(s)) {
					t.Errorf("o=%d reencode=%v: %q left in the clean copy", o, reencode, s)
				}
			}
			want := metadata{Orientation: 1}
			if o > 1 && !reencode {
				want = metadata{Orientation: o, Exif: true}
			}
			if m := readJPEGMeta(rep.Clean); m != want {
				t.Errorf("o=%d reencode=%v: clean copy's metadata %+v, want %+v", o, reencode, m, want)
			}
			clean, err := jpeg.Decode(bytes.NewReader(rep.Clean))
			if err != nil {
				t.Fatal(err)
			}
			if reencode {
				up, _ := DecodeImage(withMeta)
				if d := lumaDiff(t, clean, up); d > 3 {
					t.Errorf("o=%d: re-encoding changed the pixels by %.2f", o, d)
				}
			} else if d := lumaDiff(t, clean, orig); d != 0 {
				t.Errorf("o=%d: lossless strip changed the pixels by %.2f", o, d)
			}
		}
	}

	// PNG: text chunks go, pixels stay.
	img := synth.Render(goodSpec())
	p := encodePNG(t, img)
	chunk := append([]byte("tEXt"), []byte("GPS\x0031.2304,121.4737")...)
	var extra []byte
	extra = binary.BigEndian.AppendUint32(extra, uint32(len(chunk)-4))
	extra = append(extra, chunk...)
	extra = binary.BigEndian.AppendUint32(extra, crc32.ChecksumIEEE(chunk))
	p = append(append(append([]byte(nil), p[:33]...), extra...), p[33:]...)
	g.cfg.AlwaysReencode = false
	rep, err := g.Check(p, KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatPNG || bytes.Contains(rep.Clean, []byte("GPS")) {
		t.Fatalf("png metadata not stripped: %v", rep)
	}
	clean, err := png.Decode(bytes.NewReader(rep.Clean))
	if err != nil {
		t.Fatal(err)
	}
	if d := lumaDiff(t, clean, img); d != 0 {
		t.Errorf("png strip changed pixels by %.2f", d)
	}
}

func TestPHash(t *testing.T) {
	g := newTestGate(t, Config{})
	a := encodeSpec(t, goodSpec())
	s := goodSpec()
	s.Quality = 55
	s.Noise = 3
	b := encodeSpec(t, s) // the same picture, recompressed and noisier
	s = goodSpec()
	s.Seed, s.Side, s.Background, s.Angle = 99, synth.Back, 3, -7
	c := encodeSpec(t, s) // another picture
	ra, _ := g.Check(a, KindIDFront)
	rb, _ := g.Check(b, KindIDFront)
	rc, _ := g.Check(c, KindIDBack)
	if d := HammingDistance(ra.PHash, rb.PHash); d > 8 {
		t.Errorf("same picture: distance %d", d)
	}
	if d := HammingDistance(ra.PHash, rc.PHash); d < 16 {
		t.Errorf("different pictures: distance %d", d)
	}
	if HammingDistance(0, ^uint64(0)) != 64 || HammingDistance(5, 5) != 0 {
		t.Error("HammingDistance")
	}
}

func TestScreenCapture(t *testing.T) {
	g := newTestGate(t, Config{})
	// A screenshot: PNG, a phone's exact screen size, no camera metadata.
	img := image.NewRGBA(image.Rect(0, 0, 720, 1280))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7 % 251)
	}
	rep, err := g.Check(encodePNG(t, img), KindOther)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Has(CodeScreenCapture) {
		t.Fatalf("screenshot not flagged: %v", rep)
	}
	r, _ := ReasonFor(CodeScreenCapture)
	if !r.Signal {
		t.Error("screen capture must be a signal")
	}
	// A camera photo of the same size is not.
	if s := screenScore(FormatJPEG, 720, 1280, metadata{Camera: true}); s != 0 {
		t.Errorf("camera photo scored %v", s)
	}
	good, _ := g.Check(encodeSpec(t, goodSpec()), KindIDFront)
	if good.Has(CodeScreenCapture) {
		t.Error("800×600 JPEG flagged as a screenshot")
	}
}

func TestSignalsDoNotRefuse(t *testing.T) {
	rep := &Report{Accepted: true}
	rep.AddReason(reason(CodeDuplicate))
	rep.AddReason(reason(CodeScreenCapture))
	if !rep.Accepted {
		t.Fatal("signals refused the image")
	}
	pub := rep.Public(i18n.ZH)
	for _, r := range pub.Quality.Reasons {
		if r.Code == CodeDuplicate {
			t.Error("sensitive reason shown to the customer")
		}
	}
	if len(pub.Quality.Reasons) != 1 || pub.Quality.Reasons[0].Message != reason(CodeScreenCapture).Message.ZH {
		t.Errorf("public reasons = %+v", pub.Quality.Reasons)
	}
	rep.AddReason(reason(CodeBlurry))
	if rep.Accepted {
		t.Error("a rejection did not refuse")
	}
}

func TestSelfieAndNoFace(t *testing.T) {
	g := newTestGate(t, Config{})
	blank := goodSpec()
	blank.Side = synth.Blank
	tests := []struct {
		name string
		spec synth.Spec
		kind Kind
		want string // "" for no face reason
	}{
		{"front with portrait", goodSpec(), KindIDFront, ""},
		{"front without portrait", blank, KindIDFront, CodeNoFace},
		{"back needs no portrait", blank, KindIDBack, ""},
		{"selfie of a face", goodSpec(), KindSelfie, ""},
		{"selfie without a face", blank, KindSelfie, CodeSelfieNoFace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := g.Check(encodeSpec(t, tt.spec), tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			gotNo := rep.Has(CodeNoFace) || rep.Has(CodeSelfieNoFace)
			if tt.want == "" && gotNo || tt.want != "" && !rep.Has(tt.want) {
				t.Errorf("%v", rep)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{Limits: Limits{MinSide: 500, MaxSide: 400}},
		{Limits: Limits{MaxAspect: 0.5}},
		{JPEGQuality: 101},
		{WorkingSide: 10},
		{Thresholds: Thresholds{MinBrightness: 200, MaxBrightness: 100}},
		{Limits: Limits{MaxBytes: -1}},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d accepted", i)
		}
		if _, err := NewGate(c); err == nil {
			t.Errorf("NewGate accepted config %d", i)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Error(err)
	}
	g := newTestGate(t, Config{Thresholds: Thresholds{MinSharpness: 1e9}})
	if g.Config().Thresholds.MinSharpness != 1e9 || g.Config().Thresholds.MinBrightness != DefaultConfig().Thresholds.MinBrightness {
		t.Error("defaults not merged")
	}
	rep, _ := g.Check(encodeSpec(t, goodSpec()), KindIDFront)
	if !rep.Has(CodeBlurry) {
		t.Error("configured threshold not applied")
	}
}

// Non-RGB decoded images (grey JPEG, paletted and 16-bit PNG) go through
// the same pipeline.
func TestDecodedTypes(t *testing.T) {
	g := newTestGate(t, Config{})
	up := synth.Render(goodSpec())
	gray := image.NewGray(up.Rect)
	pal := image.NewPaletted(up.Rect, color.Palette{color.Black, color.White, color.Gray{128}, color.RGBA{90, 60, 40, 255}})
	g16 := image.NewRGBA64(up.Rect)
	for y := 0; y < up.Rect.Dy(); y++ {
		for x := 0; x < up.Rect.Dx(); x++ {
			gray.Set(x, y, up.At(x, y))
			pal.Set(x, y, up.At(x, y))
			g16.Set(x, y, up.At(x, y))
		}
	}
	var gj bytes.Buffer
	if err := jpeg.Encode(&gj, gray, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"gray jpeg": synth.WithExif(gj.Bytes(), 6), "paletted png": encodePNG(t, pal), "rgba64 png": encodePNG(t, g16),
	} {
		rep, err := g.Check(data, KindIDBack)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.Clean == nil || rep.Width == 0 {
			t.Errorf("%s: %v", name, rep)
		}
		if _, _, err := image.Decode(bytes.NewReader(rep.Clean)); err != nil {
			t.Errorf("%s: clean copy: %v", name, err)
		}
	}
}

// A consent form on white paper whose background clips to pure white is
// readable: not overexposed, no glare. The same picture as an ID card is
// washed out.
func TestPaperExposure(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 800, 1100))
	for i := range img.Pix {
		img.Pix[i] = 253
	}
	for y := 100; y < 1000; y += 28 {
		for x := 80; x < 720; x++ {
			if (x/9)%6 != 0 {
				for k := 0; k < 10; k++ {
					img.Pix[(y+k)*800+x] = 30
				}
			}
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	g := newTestGate(t, Config{})
	rep, err := g.Check(b.Bytes(), KindGuardianConsent)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted {
		t.Errorf("white paper form refused: %v", rep)
	}
	rep, err = g.Check(b.Bytes(), KindIDBack)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Has(CodeOverexposed) {
		t.Errorf("washed-out card not overexposed: %v", rep)
	}
}

func TestUnsupportedVariant(t *testing.T) {
	// Turn a baseline JPEG into an arithmetic-coded one (SOF9): the
	// decoder does not support it, and says so.
	data := encodeSpec(t, goodSpec())
	_ = walkJPEG(data, func(s jpegSegment) bool {
		if s.marker == 0xc0 {
			data[s.start+1] = 0xc9
			return false
		}
		return true
	})
	rep, err := newTestGate(t, Config{}).Check(data, KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Has(CodeImageUnsupported) || rep.Accepted {
		t.Errorf("%v", rep)
	}
}

// An upside-down card: the portrait is found by the turned-over pass and
// placed where it is in the photo (on the left, since the card is turned).
func TestUpsideDownCard(t *testing.T) {
	s := goodSpec()
	s.Angle = 180
	rep, err := newTestGate(t, Config{}).Check(encodeSpec(t, s), KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Face == nil {
		t.Fatalf("no face: %v", rep)
	}
	if cx := rep.Face.X + rep.Face.W/2; cx < 180 || cx > 360 {
		t.Errorf("face centre x = %d, want on the portrait (180..360)", cx)
	}
}

func TestConcurrentCheck(t *testing.T) {
	g := newTestGate(t, Config{})
	a := encodeSpec(t, goodSpec())
	s := goodSpec()
	s.Side = synth.Blank
	b := encodeSpec(t, s)
	want := map[bool]bool{true: true, false: false}
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			data := a
			if i%2 == 1 {
				data = b
			}
			rep, err := g.Check(data, KindIDFront)
			if err == nil && rep.Accepted != want[i%2 == 0] {
				err = errors.New(rep.String())
			}
			done <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// A JPEG without its final EOI marker (some apps write them) is read; one
// cut short inside its scan data is still corrupt.
func TestMissingEOI(t *testing.T) {
	data := encodeSpec(t, goodSpec())
	g := newTestGate(t, Config{})
	rep, err := g.Check(data[:len(data)-2], KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted || rep.Clean == nil {
		t.Fatalf("JPEG without EOI refused: %v", rep)
	}
	if _, err := jpeg.Decode(bytes.NewReader(rep.Clean)); err != nil {
		t.Errorf("clean copy: %v", err)
	}
	for _, cut := range []int{len(data) / 3, len(data) * 9 / 10, len(data) - 40} {
		rep, err := g.Check(data[:cut], KindIDFront)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Has(CodeImageCorrupt) {
			t.Errorf("cut at %d of %d: %v", cut, len(data), rep)
		}
	}
}

// A light card on a light desk is still found (second split of the light
// class), and a cut-off one is still called cut off.
func TestLightBackground(t *testing.T) {
	g := newTestGate(t, Config{})
	s := goodSpec()
	s.Background = 5
	rep, err := g.Check(encodeSpec(t, s), KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted || rep.Has(CodeEdgesNotFound) || rep.Document == nil {
		t.Fatalf("%v", rep)
	}
	var area float64
	for i, c := range rep.Document {
		n := rep.Document[(i+1)%4]
		area += c[0]*n[1] - n[0]*c[1]
	}
	if area = math.Abs(area) / 2; area < 0.9*576*363 || area > 1.1*576*363 {
		t.Errorf("outline area %.0f, want about %d", area, 576*363)
	}
	s.CX = 0.75 // the right 20% of the card is outside
	rep, err = g.Check(encodeSpec(t, s), KindIDFront)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Has(CodeCutOff) {
		t.Errorf("cut-off card on a light desk: %v", rep)
	}
}

// TestSixteenBitBomb: a small 16-bit PNG whose decoded size would pass the
// pixel cap as 8-bit but not as 16-bit is refused before decoding.
func TestSixteenBitBomb(t *testing.T) {
	g := newTestGate(t, Config{Limits: Limits{MaxPixels: 1_000_000}})
	img := image.NewNRGBA64(image.Rect(0, 0, 900, 900)) // 0.81 MP, 6.5 MB decoded
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	rep, err := g.Check(buf.Bytes(), KindOther)
	if err != nil || !rep.Has(CodeTooManyPixels) {
		t.Fatalf("16-bit PNG over the memory budget: %+v %v", rep.Reasons, err)
	}
	img8 := image.NewNRGBA(image.Rect(0, 0, 900, 900))
	buf.Reset()
	png.Encode(&buf, img8)
	if rep, _ := g.Check(buf.Bytes(), KindOther); rep.Has(CodeTooManyPixels) {
		t.Fatal("8-bit PNG of the same size refused")
	}
}
