package document

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// Every fast path of lumaRow agrees with the generic one (luma over white)
// within rounding, and box downscaling keeps the mean.
func TestLumaFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rect := image.Rect(0, 0, 37, 23)
	pal := color.Palette{}
	for i := 0; i < 16; i++ {
		pal = append(pal, color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))})
	}
	imgs := map[string]image.Image{
		"ycbcr420": image.NewYCbCr(rect, image.YCbCrSubsampleRatio420),
		"gray":     image.NewGray(rect),
		"gray16":   image.NewGray16(rect),
		"rgba":     image.NewRGBA(rect),
		"nrgba":    image.NewNRGBA(rect),
		"rgba64":   image.NewRGBA64(rect),
		"nrgba64":  image.NewNRGBA64(rect),
		"paletted": image.NewPaletted(rect, pal),
		"cmyk":     image.NewCMYK(rect),
	}
	for name, img := range imgs {
		for y := 0; y < rect.Dy(); y++ {
			for x := 0; x < rect.Dx(); x++ {
				c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))}
				switch m := img.(type) {
				case *image.YCbCr:
					m.Y[m.YOffset(x, y)] = uint8(r.IntN(256))
				case *image.Paletted:
					m.SetColorIndex(x, y, uint8(r.IntN(len(pal))))
				case interface{ Set(int, int, color.Color) }:
					m.Set(x, y, c)
				}
			}
		}
		p := lumaPlane(img, 1000)
		for y := 0; y < rect.Dy(); y++ {
			for x := 0; x < rect.Dx(); x++ {
				want := int(lumaOf(img.At(x, y)))
				if ycc, ok := img.(*image.YCbCr); ok {
					want = int(ycc.Y[ycc.YOffset(x, y)])
				}
				if got := int(p.at(x, y)); got-want > 1 || want-got > 1 {
					t.Fatalf("%s (%d,%d): luma %d, want %d", name, x, y, got, want)
				}
			}
		}
		small := lumaPlane(img, 10)
		if small.w != 10 || small.h != 6 {
			t.Fatalf("%s: downscaled to %dx%d", name, small.w, small.h)
		}
		if d := meanOf(small) - meanOf(p); d > 3 || d < -3 {
			t.Errorf("%s: downscaling moved the mean by %.1f", name, d)
		}
	}
}

func meanOf(p *plane) float64 {
	var s float64
	for _, v := range p.p {
		s += float64(v)
	}
	return s / float64(len(p.p))
}
