package app

import (
	"context"
	"image"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/face"
)

// A selfie from a phone's own camera app is stored as shot: pixels turned,
// with the EXIF Orientation tag that says how to show it (the gate keeps
// that tag). The face engine must see it upright, as the customer does: an
// upside-down face is no face to the detector, and the case would fail
// SELFIE_NO_FACE for a good photo.
func TestFaceAnalyzerReadsEXIFOrientation(t *testing.T) {
	e := openFaceEngine(t)
	fa := FaceAnalyzer(e, nil)
	ctx := context.Background()
	up := selfieOf(t, 1, 1, 1)
	upright, err := fa.Analyze(ctx, jpegOf(t, up, 92), false)
	if err != nil || len(upright.Faces) != 1 || len(upright.Embedding) == 0 {
		t.Fatalf("upright selfie: %v, %d faces", err, len(upright.Faces))
	}
	b := up.Bounds()
	w, h := b.Dx(), b.Dy()
	turned := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			turned.Set(w-1-x, h-1-y, up.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	stored := synth.WithExif(jpegOf(t, turned, 92), 3)
	a, err := fa.Analyze(ctx, stored, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Faces) != 1 {
		t.Fatalf("upside-down selfie with EXIF orientation 3: %d faces, want 1", len(a.Faces))
	}
	if sim := face.Similarity(upright.Embedding, a.Embedding); sim < face.DefaultThresholds().Match {
		t.Errorf("the same selfie, stored turned: similarity %.3f, want ≥ %.2f", sim, face.DefaultThresholds().Match)
	}
	// The boxes are in the upright image (the reviewer's side-by-side view).
	if d := a.Faces[0]; abs(d.X-upright.Faces[0].X) > 24 || abs(d.Y-upright.Faces[0].Y) > 24 {
		t.Errorf("face box %+v, upright %+v", d, upright.Faces[0])
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
