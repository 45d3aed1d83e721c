package face

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// maxWork is the longest side, in pixels, an input image is reduced to
// before any model sees it: the detector works at 320×240 and the crops at
// 64–128 pixels, so more detail only costs time and memory.
const maxWork = 1280

// rgbImage is a packed 8-bit RGB raster, the one form every model's
// pre-processing reads from.
type rgbImage struct {
	w, h int
	pix  []uint8 // 3 bytes per pixel, row-major
}

// toRGB converts img into an rgbImage no larger than maxWork on its longest
// side (averaging blocks of pixels when it shrinks) and returns the factor
// that maps its coordinates back to img's (1 when not reduced). Alpha is
// composited onto white, as a browser shows a transparent PNG. An image
// whose pixel accessors panic (the standard library's 4:2:0 YCbCr does with
// an odd negative origin) gives an error instead.
func toRGB(img image.Image) (out *rgbImage, factor float64, err error) {
	return regionRGB(img, img.Bounds(), maxWork)
}

// regionRGB is toRGB for the part r of img (clipped to its bounds), reduced
// to at most maxSide; coordinates map back as r.Min + p·factor.
func regionRGB(img image.Image, r image.Rectangle, maxSide int) (out *rgbImage, factor float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, factor, err = nil, 0, fmt.Errorf("face: cannot read the image's pixels: %v", p)
		}
	}()
	out, factor = convertRGB(img, r.Intersect(img.Bounds()), maxSide)
	return out, factor, nil
}

func convertRGB(img image.Image, b image.Rectangle, maxSide int) (*rgbImage, float64) {
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return &rgbImage{}, 1
	}
	step := 1
	if m := max(w, h); m > maxSide {
		step = (m + maxSide - 1) / maxSide
	}
	ow, oh := (w+step-1)/step, (h+step-1)/step
	out := &rgbImage{w: ow, h: oh, pix: make([]uint8, ow*oh*3)}
	px := func(x, y int) (r, g, bl uint32) {
		switch m := img.(type) {
		case *image.YCbCr:
			yi := m.YOffset(x, y)
			ci := m.COffset(x, y)
			rr, gg, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			return uint32(rr), uint32(gg), uint32(bb)
		case *image.Gray:
			v := uint32(m.Pix[m.PixOffset(x, y)])
			return v, v, v
		case *image.RGBA:
			i := m.PixOffset(x, y)
			a := uint32(m.Pix[i+3])
			return uint32(m.Pix[i]) + 255 - a, uint32(m.Pix[i+1]) + 255 - a, uint32(m.Pix[i+2]) + 255 - a
		case *image.NRGBA:
			i := m.PixOffset(x, y)
			a := uint32(m.Pix[i+3])
			return blend(uint32(m.Pix[i]), a), blend(uint32(m.Pix[i+1]), a), blend(uint32(m.Pix[i+2]), a)
		}
		r16, g16, b16, a16 := img.At(x, y).RGBA() // premultiplied
		wh := 0xffff - a16
		return (r16 + wh) >> 8, (g16 + wh) >> 8, (b16 + wh) >> 8
	}
	// Average at most 4×4 samples per block, so that an enormous image
	// costs no more than 16 reads per output pixel.
	inc := max(1, step/4)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var sr, sg, sb, n uint32
			for dy := 0; dy < step; dy += inc {
				y := b.Min.Y + oy*step + dy
				if y >= b.Max.Y {
					break
				}
				for dx := 0; dx < step; dx += inc {
					x := b.Min.X + ox*step + dx
					if x >= b.Max.X {
						break
					}
					r, g, bl := px(x, y)
					sr, sg, sb, n = sr+r, sg+g, sb+bl, n+1
				}
			}
			i := (oy*ow + ox) * 3
			out.pix[i], out.pix[i+1], out.pix[i+2] = uint8(sr/n), uint8(sg/n), uint8(sb/n)
		}
	}
	return out, float64(step)
}

// blend composites a non-premultiplied channel value with alpha a onto white.
func blend(v, a uint32) uint32 { return (v*a + 255*(255-a)) / 255 }

// sample returns the bilinearly interpolated channel values at (x, y),
// clamping to the edge outside the image.
func (m *rgbImage) sample(x, y float64) (r, g, b float64) {
	if m.w == 0 || m.h == 0 || math.IsNaN(x) || math.IsNaN(y) {
		return 0, 0, 0
	}
	x = clampF(x, 0, float64(m.w-1))
	y = clampF(y, 0, float64(m.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, m.w-1), min(y0+1, m.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(xx, yy, c int) float64 { return float64(m.pix[(yy*m.w+xx)*3+c]) }
	var v [3]float64
	for c := 0; c < 3; c++ {
		top := at(x0, y0, c)*(1-fx) + at(x1, y0, c)*fx
		bot := at(x0, y1, c)*(1-fx) + at(x1, y1, c)*fx
		v[c] = top*(1-fy) + bot*fy
	}
	return v[0], v[1], v[2]
}

// area returns the mean channel values over the source rectangle
// [x0,x1)×[y0,y1) (at least one pixel), used when shrinking a region a lot
// so that the result is not aliased.
func (m *rgbImage) area(x0, y0, x1, y1 float64) (r, g, b float64) {
	ix0, iy0 := int(math.Floor(x0)), int(math.Floor(y0))
	ix1, iy1 := int(math.Ceil(x1)), int(math.Ceil(y1))
	if ix1 <= ix0+1 && iy1 <= iy0+1 {
		return m.sample((x0+x1)/2-0.5, (y0+y1)/2-0.5)
	}
	var s [3]float64
	n := 0.0
	for y := max(iy0, 0); y < min(iy1, m.h); y++ {
		for x := max(ix0, 0); x < min(ix1, m.w); x++ {
			i := (y*m.w + x) * 3
			s[0] += float64(m.pix[i])
			s[1] += float64(m.pix[i+1])
			s[2] += float64(m.pix[i+2])
			n++
		}
	}
	if n == 0 {
		return m.sample((x0+x1)/2, (y0+y1)/2)
	}
	return s[0] / n, s[1] / n, s[2] / n
}

// resizeRegion maps the source rectangle (x, y, w, h) onto a dw×dh grid and
// calls put for every destination pixel with its RGB values (0..255).
// Shrinking averages areas; enlarging interpolates.
func (m *rgbImage) resizeRegion(x, y, w, h float64, dw, dh int, put func(dx, dy int, r, g, b float64)) {
	sx, sy := w/float64(dw), h/float64(dh)
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			var r, g, b float64
			if sx > 1.5 || sy > 1.5 {
				r, g, b = m.area(x+float64(dx)*sx, y+float64(dy)*sy, x+float64(dx+1)*sx, y+float64(dy+1)*sy)
			} else {
				r, g, b = m.sample(x+(float64(dx)+0.5)*sx-0.5, y+(float64(dy)+0.5)*sy-0.5)
			}
			put(dx, dy, r, g, b)
		}
	}
}

func clampF(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// crop copies the rectangle (x, y, w, h), clipped to m.
func (m *rgbImage) crop(x, y, w, h int) *rgbImage {
	r := image.Rect(x, y, x+w, y+h).Intersect(image.Rect(0, 0, m.w, m.h))
	out := &rgbImage{w: r.Dx(), h: r.Dy(), pix: make([]uint8, r.Dx()*r.Dy()*3)}
	for yy := 0; yy < out.h; yy++ {
		copy(out.pix[yy*out.w*3:(yy+1)*out.w*3], m.pix[((r.Min.Y+yy)*m.w+r.Min.X)*3:])
	}
	return out
}
