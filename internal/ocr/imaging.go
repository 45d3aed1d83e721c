package ocr

import (
	"image"
	"image/color"
	"math"
)

// rgbImage is an 8-bit RGB raster, the one format the geometry code works on.
type rgbImage struct {
	W, H int
	Pix  []uint8 // R,G,B per pixel, row-major
}

// toRGB converts any image to an rgbImage (origin moved to 0,0).
func toRGB(img image.Image) *rgbImage {
	b := img.Bounds()
	out := &rgbImage{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 3*b.Dx()*b.Dy())}
	switch src := img.(type) {
	case *image.YCbCr:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi := src.YOffset(x, y)
				ci := src.COffset(x, y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = r, g, bb
				i += 3
			}
		}
	case *image.RGBA:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = row[4*x], row[4*x+1], row[4*x+2]
				i += 3
			}
		}
	case *image.Gray:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = row[x], row[x], row[x]
				i += 3
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = uint8(r>>8), uint8(g>>8), uint8(bb>>8)
				i += 3
			}
		}
	}
	return out
}

// toImage returns m as an *image.RGBA (for engines that want a standard image).
func (m *rgbImage) toImage() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i, j := 0, 0; i < len(m.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255
	}
	return out
}

// gray returns the luma of m as float32 0..255.
func (m *rgbImage) gray() []float32 {
	g := make([]float32, m.W*m.H)
	for i := range g {
		p := m.Pix[3*i:]
		g[i] = 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
	}
	return g
}

// sample returns the bilinear-interpolated colour at (x, y); outside the
// image it returns the nearest edge pixel.
func (m *rgbImage) sample(x, y float64) (r, g, b float64) {
	if x < 0 {
		x = 0
	}
	if y < 0 {
		y = 0
	}
	if x > float64(m.W-1) {
		x = float64(m.W - 1)
	}
	if y > float64(m.H-1) {
		y = float64(m.H - 1)
	}
	x0, y0 := int(x), int(y)
	x1, y1 := x0+1, y0+1
	if x1 >= m.W {
		x1 = m.W - 1
	}
	if y1 >= m.H {
		y1 = m.H - 1
	}
	fx, fy := x-float64(x0), y-float64(y0)
	p00 := m.Pix[3*(y0*m.W+x0):]
	p01 := m.Pix[3*(y0*m.W+x1):]
	p10 := m.Pix[3*(y1*m.W+x0):]
	p11 := m.Pix[3*(y1*m.W+x1):]
	mix := func(c int) float64 {
		top := float64(p00[c])*(1-fx) + float64(p01[c])*fx
		bot := float64(p10[c])*(1-fx) + float64(p11[c])*fx
		return top*(1-fy) + bot*fy
	}
	return mix(0), mix(1), mix(2)
}

// resize scales m to w×h with bilinear sampling (area-averaged when
// shrinking by more than 2×, so small text does not alias away).
func (m *rgbImage) resize(w, h int) *rgbImage {
	if w < 1 {
		w = 1
	}
	if h < 1 {
		h = 1
	}
	src := m
	for src.W >= 2*w && src.H >= 2*h && src.W >= 2 && src.H >= 2 {
		src = src.halve()
	}
	out := &rgbImage{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	sx, sy := float64(src.W)/float64(w), float64(src.H)/float64(h)
	i := 0
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)*sy - 0.5
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)*sx - 0.5
			r, g, b := src.sample(fx, fy)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = clamp8(r), clamp8(g), clamp8(b)
			i += 3
		}
	}
	return out
}

// halve averages 2×2 blocks.
func (m *rgbImage) halve() *rgbImage {
	w, h := m.W/2, m.H/2
	out := &rgbImage{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				s := int(m.Pix[3*((2*y)*m.W+2*x)+c]) + int(m.Pix[3*((2*y)*m.W+2*x+1)+c]) +
					int(m.Pix[3*((2*y+1)*m.W+2*x)+c]) + int(m.Pix[3*((2*y+1)*m.W+2*x+1)+c])
				out.Pix[3*(y*w+x)+c] = uint8((s + 2) / 4)
			}
		}
	}
	return out
}

// rotate returns m rotated by deg degrees counter-clockwise about its centre,
// on a canvas of the same size, filling uncovered corners with the nearest
// edge colour.
func (m *rgbImage) rotate(deg float64) *rgbImage {
	if deg == 0 {
		return m
	}
	out := &rgbImage{W: m.W, H: m.H, Pix: make([]uint8, len(m.Pix))}
	rad := deg * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	cx, cy := float64(m.W-1)/2, float64(m.H-1)/2
	i := 0
	for y := 0; y < m.H; y++ {
		dy := float64(y) - cy
		for x := 0; x < m.W; x++ {
			dx := float64(x) - cx
			// inverse map: image y grows downwards, so a counter-clockwise
			// rotation on screen is clockwise in these coordinates.
			sx := cos*dx - sin*dy + cx
			sy := sin*dx + cos*dy + cy
			r, g, b := m.sample(sx, sy)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = clamp8(r), clamp8(g), clamp8(b)
			i += 3
		}
	}
	return out
}

// crop returns the axis-aligned region r of m (clipped to the image).
func (m *rgbImage) crop(r image.Rectangle) *rgbImage {
	r = r.Intersect(image.Rect(0, 0, m.W, m.H))
	out := &rgbImage{W: r.Dx(), H: r.Dy(), Pix: make([]uint8, 3*r.Dx()*r.Dy())}
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[3*y*out.W:3*(y+1)*out.W], m.Pix[3*((r.Min.Y+y)*m.W+r.Min.X):3*((r.Min.Y+y)*m.W+r.Max.X)])
	}
	return out
}

// rotRect is a rotated rectangle: centre, size along its own axes, and the
// angle of its width axis in degrees (image coordinates, y down, so positive
// angles turn clockwise on screen).
type rotRect struct {
	CX, CY, W, H, Angle float64
}

// bounds returns the axis-aligned box around r.
func (r rotRect) bounds() image.Rectangle {
	rad := r.Angle * math.Pi / 180
	c, s := math.Abs(math.Cos(rad)), math.Abs(math.Sin(rad))
	hw := (r.W*c + r.H*s) / 2
	hh := (r.W*s + r.H*c) / 2
	return image.Rect(int(math.Floor(r.CX-hw)), int(math.Floor(r.CY-hh)), int(math.Ceil(r.CX+hw)), int(math.Ceil(r.CY+hh)))
}

// warp samples the rotated rectangle r of m into an upright outW×outH image.
func (m *rgbImage) warp(r rotRect, outW, outH int) *rgbImage {
	out := &rgbImage{W: outW, H: outH, Pix: make([]uint8, 3*outW*outH)}
	rad := r.Angle * math.Pi / 180
	ux, uy := math.Cos(rad), math.Sin(rad) // width axis
	vx, vy := -uy, ux                      // height axis
	sx, sy := r.W/float64(outW), r.H/float64(outH)
	i := 0
	for y := 0; y < outH; y++ {
		v := (float64(y)+0.5)*sy - r.H/2
		for x := 0; x < outW; x++ {
			u := (float64(x)+0.5)*sx - r.W/2
			r1, g1, b1 := m.sample(r.CX+u*ux+v*vx, r.CY+u*uy+v*vy)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = clamp8(r1), clamp8(g1), clamp8(b1)
			i += 3
		}
	}
	return out
}

func clamp8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}
