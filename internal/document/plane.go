package document

import (
	"image"
	"image/color"
)

// plane is an 8-bit grayscale (luma) image, row-major without padding.
type plane struct {
	w, h int
	p    []uint8
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, p: make([]uint8, w*h)} }

func (pl *plane) at(x, y int) uint8 { return pl.p[y*pl.w+x] }

// lumaRow writes the luma of source row y (0-based within the bounds) into
// dst, using the fast path of the common concrete image types.
func lumaRow(img image.Image, y int, dst []uint8) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.YCbCr:
		off := m.YOffset(b.Min.X, b.Min.Y+y)
		copy(dst, m.Y[off:off+w])
	case *image.Gray:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		copy(dst, m.Pix[off:off+w])
	case *image.RGBA:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[off : off+4*w]
		for x := 0; x < w; x++ {
			// premultiplied: over white is c + (255 - a)
			bg := 255 - uint32(row[4*x+3])
			r, g, bb := uint32(row[4*x])+bg, uint32(row[4*x+1])+bg, uint32(row[4*x+2])+bg
			dst[x] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
		}
	case *image.NRGBA:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[off : off+4*w]
		for x := 0; x < w; x++ {
			r, g, bb, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
			// Composite over white: transparent areas read as paper.
			r = (r*a + 255*(255-a)) / 255
			g = (g*a + 255*(255-a)) / 255
			bb = (bb*a + 255*(255-a)) / 255
			dst[x] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
		}
	case *image.Gray16:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		for x := 0; x < w; x++ {
			dst[x] = m.Pix[off+2*x] // the high byte
		}
	case *image.RGBA64:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[off : off+8*w]
		for x := 0; x < w; x++ {
			bg := 255 - uint32(row[8*x+6])
			r, g, bb := uint32(row[8*x])+bg, uint32(row[8*x+2])+bg, uint32(row[8*x+4])+bg
			dst[x] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
		}
	case *image.NRGBA64:
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[off : off+8*w]
		for x := 0; x < w; x++ {
			r, g, bb, a := uint32(row[8*x]), uint32(row[8*x+2]), uint32(row[8*x+4]), uint32(row[8*x+6])
			r = (r*a + 255*(255-a)) / 255
			g = (g*a + 255*(255-a)) / 255
			bb = (bb*a + 255*(255-a)) / 255
			dst[x] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			if i < 256 {
				lut[i] = lumaOf(c)
			}
		}
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		for x, idx := range m.Pix[off : off+w] {
			dst[x] = lut[idx]
		}
	default: // CMYK, 4:2:2 images decoded as other types, …: slower but rare
		for x := 0; x < w; x++ {
			dst[x] = lumaOf(img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
}

// lumaPlane returns the luma of img box-downscaled so that its longer side is
// at most maxSide (never upscaled). Every source pixel is read once.
func lumaPlane(img image.Image, maxSide int) *plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if long := max(w, h); long > maxSide {
		dw = max(1, w*maxSide/long)
		dh = max(1, h*maxSide/long)
	}
	out := newPlane(dw, dh)
	if dw == w && dh == h {
		for y := 0; y < h; y++ {
			lumaRow(img, y, out.p[y*w:(y+1)*w])
		}
		return out
	}
	// Map each source column to its destination column once.
	colOf := make([]int32, w)
	colN := make([]uint32, dw)
	for x := 0; x < w; x++ {
		c := int32(x * dw / w)
		colOf[x] = c
		colN[c]++
	}
	row := make([]uint8, w)
	acc := make([]uint32, dw)
	sy := 0
	for dy := 0; dy < dh; dy++ {
		y1 := (dy + 1) * h / dh
		for i := range acc {
			acc[i] = 0
		}
		rows := uint32(0)
		for ; sy < y1; sy++ {
			lumaRow(img, sy, row)
			for x, v := range row {
				acc[colOf[x]] += uint32(v)
			}
			rows++
		}
		if rows == 0 {
			rows = 1
		}
		o := out.p[dy*dw : (dy+1)*dw]
		for i := range o {
			n := colN[i] * rows
			if n == 0 {
				n = 1
			}
			o[i] = uint8((acc[i] + n/2) / n)
		}
	}
	return out
}

// downscale box-averages p so its longer side is at most maxSide.
func (pl *plane) downscale(maxSide int) *plane {
	if max(pl.w, pl.h) <= maxSide {
		return pl
	}
	g := &image.Gray{Pix: pl.p, Stride: pl.w, Rect: image.Rect(0, 0, pl.w, pl.h)}
	return lumaPlane(g, maxSide)
}

// resize scales p to exactly w×h by bilinear sampling (for small planes).
func (pl *plane) resize(w, h int) *plane {
	out := newPlane(w, h)
	sx := float64(pl.w) / float64(w)
	sy := float64(pl.h) / float64(h)
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)*sy - 0.5
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)*sx - 0.5
			out.p[y*w+x] = pl.bilinear(fx, fy)
		}
	}
	return out
}

// bilinear samples p at a fractional position, clamping at the edges.
func (pl *plane) bilinear(fx, fy float64) uint8 {
	if fx < 0 {
		fx = 0
	}
	if fy < 0 {
		fy = 0
	}
	if fx > float64(pl.w-1) {
		fx = float64(pl.w - 1)
	}
	if fy > float64(pl.h-1) {
		fy = float64(pl.h - 1)
	}
	x0, y0 := int(fx), int(fy)
	x1, y1 := min(x0+1, pl.w-1), min(y0+1, pl.h-1)
	ax, ay := fx-float64(x0), fy-float64(y0)
	v00 := float64(pl.p[y0*pl.w+x0])
	v10 := float64(pl.p[y0*pl.w+x1])
	v01 := float64(pl.p[y1*pl.w+x0])
	v11 := float64(pl.p[y1*pl.w+x1])
	v := v00*(1-ax)*(1-ay) + v10*ax*(1-ay) + v01*(1-ax)*ay + v11*ax*ay
	return uint8(v + 0.5)
}

// orientedSize returns the displayed size of a w×h image with EXIF
// orientation o.
func orientedSize(o, w, h int) (int, int) {
	if o >= 5 && o <= 8 {
		return h, w
	}
	return w, h
}

// srcCoord maps a displayed pixel (x, y) of an image stored as w×h with EXIF
// orientation o back to the stored pixel.
func srcCoord(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}

// orient returns p as displayed under EXIF orientation o.
func (pl *plane) orient(o int) *plane {
	if o <= 1 || o > 8 {
		return pl
	}
	dw, dh := orientedSize(o, pl.w, pl.h)
	out := newPlane(dw, dh)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := srcCoord(o, x, y, pl.w, pl.h)
			out.p[y*dw+x] = pl.p[sy*pl.w+sx]
		}
	}
	return out
}

// rot180 returns p turned upside down.
func (pl *plane) rot180() *plane {
	out := newPlane(pl.w, pl.h)
	n := len(pl.p)
	for i, v := range pl.p {
		out.p[n-1-i] = v
	}
	return out
}

// lumaOf is the luma of c composited over white.
func lumaOf(c color.Color) uint8 {
	r, g, b, a := c.RGBA()
	r += 0xffff - a
	g += 0xffff - a
	b += 0xffff - a
	return uint8((19595*(r>>8) + 38470*(g>>8) + 7471*(b>>8) + 1<<15) >> 16)
}
