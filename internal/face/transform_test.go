package face

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// The transformations below turn one real photograph into others of the
// same person (scale, rotation, JPEG quality, lighting, crop) or into
// simulated re-captures of it (moiré, colour banding, a screen's bezel,
// print halftone). They are deterministic.

type transform struct {
	name string
	fn   func(image.Image) image.Image
}

func rgba(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), m, b.Min, draw.Src)
	return out
}

func scaled(f float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		b := m.Bounds()
		w, h := max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))
		out := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(out, out.Bounds(), m, b, draw.Src, nil)
		return out
	}
}

func rotated(deg float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		b := m.Bounds()
		out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{200, 200, 200, 255}), image.Point{}, draw.Src)
		a := deg * math.Pi / 180
		cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
		c, s := math.Cos(a), math.Sin(a)
		// dst = R·(src − c) + c
		aff := f64.Aff3{c, -s, cx - c*cx + s*cy, s, c, cy - s*cx - c*cy}
		draw.BiLinear.Transform(out, aff, m, b, draw.Over, nil)
		return out
	}
}

func jpegQ(q int) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		var buf bytes.Buffer
		_ = jpeg.Encode(&buf, m, &jpeg.Options{Quality: q})
		out, _ := jpeg.Decode(&buf)
		return out
	}
}

// lit applies gain and gamma to every channel (lighting).
func lit(gain, gamma float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		out := rgba(m)
		var lut [256]uint8
		for i := range lut {
			v := gain * 255 * math.Pow(float64(i)/255, gamma)
			lut[i] = uint8(math.Max(0, math.Min(255, v)))
		}
		for i := 0; i < len(out.Pix); i += 4 {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = lut[out.Pix[i]], lut[out.Pix[i+1]], lut[out.Pix[i+2]]
		}
		return out
	}
}

// warmLight tints the image as under tungsten light, darker on one side.
func warmLight(m image.Image) image.Image {
	out := rgba(m)
	w := out.Bounds().Dx()
	for y := 0; y < out.Bounds().Dy(); y++ {
		for x := 0; x < w; x++ {
			i := out.PixOffset(x, y)
			f := 0.55 + 0.45*float64(x)/float64(w)
			out.Pix[i] = uint8(math.Min(255, float64(out.Pix[i])*f*1.15))
			out.Pix[i+1] = uint8(float64(out.Pix[i+1]) * f)
			out.Pix[i+2] = uint8(float64(out.Pix[i+2]) * f * 0.75)
		}
	}
	return out
}

// cropped keeps the fraction (x0, y0)–(x1, y1) of the image.
func cropped(x0, y0, x1, y1 float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		b := m.Bounds()
		r := image.Rect(b.Min.X+int(x0*float64(b.Dx())), b.Min.Y+int(y0*float64(b.Dy())),
			b.Min.X+int(x1*float64(b.Dx())), b.Min.Y+int(y1*float64(b.Dy())))
		out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(out, out.Bounds(), m, r.Min, draw.Src)
		return out
	}
}

func noisy(sigma float64, seed uint64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		out := rgba(m)
		r := rand.New(rand.NewPCG(seed, 7))
		for i := 0; i < len(out.Pix); i++ {
			if i%4 == 3 {
				continue
			}
			out.Pix[i] = uint8(math.Max(0, math.Min(255, float64(out.Pix[i])+r.NormFloat64()*sigma)))
		}
		return out
	}
}

func chain(fs ...func(image.Image) image.Image) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		for _, f := range fs {
			m = f(m)
		}
		return m
	}
}

// --- simulated re-captures ---

// moire overlays the interference of a screen's pixel grid with the
// camera's sensor: two slightly rotated sinusoidal gratings.
func moire(period, strength float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		out := rgba(m)
		b := out.Bounds()
		a1, a2 := 0.0, 0.09
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				g1 := math.Sin(2 * math.Pi * (float64(x)*math.Cos(a1) + float64(y)*math.Sin(a1)) / period)
				g2 := math.Sin(2 * math.Pi * (float64(x)*math.Cos(a2) + float64(y)*math.Sin(a2)) / (period * 1.07))
				f := 1 + strength*g1*g2
				i := out.PixOffset(x, y)
				for c := 0; c < 3; c++ {
					out.Pix[i+c] = uint8(math.Max(0, math.Min(255, float64(out.Pix[i+c])*f)))
				}
			}
		}
		return out
	}
}

// banding posterizes each channel to levels values, as an 8-bit-poor screen
// or a heavily compressed re-capture shows flat bands of colour.
func banding(levels int) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		out := rgba(m)
		step := 255.0 / float64(levels-1)
		for i := 0; i < len(out.Pix); i++ {
			if i%4 == 3 {
				continue
			}
			out.Pix[i] = uint8(math.Round(math.Round(float64(out.Pix[i])/step) * step))
		}
		return out
	}
}

// bezel shows the photo on a phone screen held in front of the camera: a
// black bezel around it, a bluish cast, a glare band, and the surrounding
// room.
func bezel(m image.Image) image.Image {
	b := m.Bounds()
	W, H := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{120, 110, 100, 255}), image.Point{}, draw.Src)
	body := image.Rect(W/10, H/14, W-W/10, H-H/14)
	draw.Draw(out, body, image.NewUniform(color.RGBA{12, 12, 14, 255}), image.Point{}, draw.Src)
	screen := image.Rect(body.Min.X+W/30, body.Min.Y+H/12, body.Max.X-W/30, body.Max.Y-H/12)
	tmp := image.NewRGBA(screen)
	draw.CatmullRom.Scale(tmp, screen, m, b, draw.Src, nil)
	for y := screen.Min.Y; y < screen.Max.Y; y++ {
		for x := screen.Min.X; x < screen.Max.X; x++ {
			i := tmp.PixOffset(x, y)
			glare := 40 * math.Max(0, 1-math.Abs(float64(x-screen.Min.X)-float64(y-screen.Min.Y)*0.8-float64(screen.Dx())/3)/25)
			r := float64(tmp.Pix[i])*0.9 + glare
			g := float64(tmp.Pix[i+1])*0.95 + glare
			bl := float64(tmp.Pix[i+2])*1.05 + 10 + glare
			tmp.Pix[i], tmp.Pix[i+1], tmp.Pix[i+2] = uint8(math.Min(255, r)), uint8(math.Min(255, g)), uint8(math.Min(255, bl))
		}
	}
	draw.Draw(out, screen, tmp, screen.Min, draw.Src)
	return out
}

// halftone renders the photo as a print seen close up: CMY dots on a
// rotated grid of the given cell size, on off-white paper.
func halftone(cell float64) func(image.Image) image.Image {
	return func(m image.Image) image.Image {
		src := rgba(m)
		b := src.Bounds()
		out := image.NewRGBA(b)
		angles := [3]float64{15, 75, 0}
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				i := src.PixOffset(x, y)
				for c := 0; c < 3; c++ {
					a := angles[c] * math.Pi / 180
					u := float64(x)*math.Cos(a) + float64(y)*math.Sin(a)
					v := -float64(x)*math.Sin(a) + float64(y)*math.Cos(a)
					fu := u/cell - math.Floor(u/cell) - 0.5
					fv := v/cell - math.Floor(v/cell) - 0.5
					ink := 1 - float64(src.Pix[i+c])/255 // coverage of this ink
					rad := math.Sqrt(ink / math.Pi)      // dot radius in cells
					val := 245.0
					if math.Hypot(fu, fv) < rad {
						val = 30
					}
					out.Pix[i+c] = uint8(val)
				}
				out.Pix[i+3] = 255
			}
		}
		return out
	}
}
