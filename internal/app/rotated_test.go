package app

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document"
	docsynth "github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// A phone photo stored upside down with EXIF orientation 3 is kept as shot
// (pixels untouched, only the Orientation tag left) and still read upright
// by the upload-time reading, through the stored copy. (PP-OCR reads a card
// turned 90° either way, but not one upside down: see
// TestRunCheckDocumentEXIFOrientation in internal/ocr.)
func TestUpsideDownPhotoReadUpright(t *testing.T) {
	p := newPipeline(t) // skips without OCR
	g, err := synth.New(2031, synth.Options{MaxAngle: 2, MaxBlur: 0.3, MinQuality: 90})
	if err != nil {
		t.Skip(err)
	}
	front, err := g.Generate(synth.IDFront)
	if err != nil {
		t.Fatal(err)
	}
	number := front.Truth.Fields["id_number"]
	up, err := jpeg.Decode(bytes.NewReader(front.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	b := up.Bounds()
	w, h := b.Dx(), b.Dy()
	stored := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			stored.Set(w-1-x, h-1-y, up.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, stored, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	photo := docsynth.WithExif(buf.Bytes(), 3) // with camera and GPS too

	ctx := context.Background()
	u, err := p.app.Accounts.Register(ctx, identity.RegisterInput{Email: "upside-down@example.com", Password: "long enough pass", AcceptTermsVersion: identity.DefaultTermsVersion})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := p.app.Documents.Create(ctx, u.ID, document.KindIDFront, photo)
	if err != nil || !d.Accepted || d.Width != w || d.Height != h {
		t.Fatalf("upload: %v %+v", err, d)
	}
	_, clean, err := p.app.Documents.Image(ctx, u.ID, false, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	asShot, err := jpeg.Decode(bytes.NewReader(clean))
	if err != nil {
		t.Fatal(err)
	}
	if y, ok := asShot.(*image.YCbCr); !ok || !bytes.Equal(y.Y, mustYCbCr(t, buf.Bytes()).Y) {
		t.Error("the stored copy was re-encoded: want the pixels as shot")
	}
	if bytes.Contains(clean, []byte("SynthCam")) {
		t.Error("camera make left in the stored copy")
	}
	v := p.app.Verifications
	if r, err := v.QueueReading(ctx, d); err != nil || r.Status != verification.ReadingPending {
		t.Fatalf("queue reading: %v %+v", err, r)
	}
	if err := v.ReadDocument(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	r, err := v.DocumentReading(ctx, d.ID)
	if err != nil || r == nil || r.Status != verification.ReadingDone {
		t.Fatalf("reading: %v %+v", err, r)
	}
	if got := r.Fields["id_number"].Value; got != number || r.DetectedKind != verification.DocIDFront {
		t.Errorf("upside-down photo read as %s: id_number %q, want %q", r.DetectedKind, got, number)
	}
}

func mustYCbCr(t *testing.T, b []byte) *image.YCbCr {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	y, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("decoded as %T", img)
	}
	return y
}
