package face

import (
	"image"
	"image/color"
	"testing"

	"golang.org/x/image/draw"
)

// placed puts the photograph, scaled by f, into a W×H grey frame at (x, y):
// a small portrait in a large photo, as on a photographed ID card.
func placed(src image.Image, f float64, W, H, x, y int) image.Image {
	s := scaled(f)(src)
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{90, 100, 110, 255}), image.Point{}, draw.Src)
	draw.Draw(out, s.Bounds().Add(image.Pt(x, y)), s, image.Point{}, draw.Src)
	return out
}

// TestSmallPortraitInLargePhoto: a portrait that is small in a 3000×2000
// photo (a face of 67–85 px, 22–28 px once the photo is reduced for the
// detector's pass) is found by the tiled pass and embedded from the photo's
// full resolution: it matches the photograph it came from.
func TestSmallPortraitInLargePhoto(t *testing.T) {
	e := openEngine(t)
	a := load(t, "testdata/astronaut.jpg")
	doc := cached(t, e, "astronaut.jpg", original)
	for _, f := range []float64{0.8, 0.6} {
		big := placed(a, f, 3000, 2000, 1700, 900)
		s := analyze(t, e, big, true)
		if len(s.Faces) != 1 || s.Embedding == nil {
			t.Errorf("×%.1f in 3000×2000: faces %v, embedding %v; want one, embedded", f, s.Faces, s.Embedding != nil)
			continue
		}
		if !s.Faces[0].Box.In(image.Rect(1700, 900, 1700+int(512*f), 900+int(512*f))) {
			t.Errorf("×%.1f: box %v outside the pasted photo", f, s.Faces[0].Box)
		}
		v, sim := Decide(doc, noLive(s), DefaultThresholds())
		t.Logf("×%.1f: box %v similarity %.3f verdict %s", f, s.Faces[0].Box, sim, v)
		if v != Match {
			t.Errorf("×%.1f: verdict %s (similarity %.3f), want match", f, v, sim)
		}
	}
}
