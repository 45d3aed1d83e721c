// Package synth renders synthetic ID-card-like photos for calibrating and
// testing the document image gate: a light card with a portrait and text-like
// blocks, placed on a varied background, then degraded on purpose (blur,
// darkness, overexposure, glare, cropping, rotation, JPEG compression).
//
// The portrait is a shaded drawing (hair, eye sockets, brows, nose and mouth
// shadows) that pigo's frontal face cascade detects; it is not a real person.
package synth

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Side is the side of the document drawn.
type Side string

// The sides.
const (
	Front    Side = "front"    // portrait and text (ID card front, residence permit)
	Back     Side = "back"     // emblem and text, no portrait
	Passport Side = "passport" // data page: portrait left, text, MRZ lines
	Blank    Side = "blank"    // front layout with the portrait box left empty
)

// Spec describes one synthetic photo. Fractions are of the frame size.
type Spec struct {
	Seed       uint64
	W, H       int     // frame size in pixels
	Side       Side    // what is drawn on the card
	CardWidth  float64 // card width as a fraction of the frame width
	CX, CY     float64 // card centre as fractions of the frame
	Angle      float64 // in-plane rotation in degrees
	Background int     // 0..6: dark wood, grey gradient, dark cloth, dark blue desk, noisy mid-grey, light desk, busy print
	Blur       float64 // Gaussian sigma in pixels, 0 for none
	Gain       float64 // exposure: out = in*Gain + Offset (Gain 0 means 1)
	Offset     float64
	Glare      float64 // glare amplitude (luma units), 0 for none
	GlareX     float64 // glare centre, as fractions of the card (-0.5..0.5)
	GlareY     float64
	GlareR     float64 // glare radius, as a fraction of the card width
	Noise      float64 // sensor noise sigma (luma units)
	Tilt       float64 // keystone perspective: the top edge is (1-Tilt) times as wide as the bottom
	// Thumb draws a thumb holding the card: it covers the middle of the
	// card's bottom edge and reaches the bottom of the frame.
	Thumb   bool
	Quality int // JPEG quality (0 means 85)
	// Orientation stores the upright picture rotated and tagged with this
	// EXIF orientation (1..8), as phone cameras do; 0 or 1 for none.
	Orientation int
}

type rgb [3]float64

// Render draws the upright photo.
func Render(s Spec) *image.RGBA {
	r := rand.New(rand.NewPCG(s.Seed, 0x5eed))
	W, H := s.W, s.H
	buf := make([]rgb, W*H)
	background(buf, W, H, s.Background, r)

	// The card canvas: ID-1 proportions, 85.6 × 54 mm.
	aspect := 85.6 / 54.0
	if s.Side == Passport {
		aspect = 125.0 / 88.0
	}
	cw := s.CardWidth * float64(W)
	ch := cw / aspect
	card, cwi, chi := drawCard(s.Side, int(cw), int(ch), r)

	// Composite with rotation, anti-aliased edges and a soft shadow.
	a := s.Angle * math.Pi / 180
	ca, sa := math.Cos(a), math.Sin(a)
	cx, cy := s.CX*float64(W), s.CY*float64(H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u := dx*ca + dy*sa
			v := -dx*sa + dy*ca
			// signed distance to the rounded rectangle
			rad := 0.04 * ch
			qx := math.Abs(u) - (float64(cwi)/2 - rad)
			qy := math.Abs(v) - (float64(chi)/2 - rad)
			d := math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - rad
			i := y*W + x
			if d > 0 && d < 6 { // shadow
				k := 1 - 0.25*(1-d/6)
				buf[i] = rgb{buf[i][0] * k, buf[i][1] * k, buf[i][2] * k}
			}
			if d >= 1 {
				continue
			}
			alpha := math.Min(1, 1-d) // 1 inside, ramps over one pixel
			px := sample(card, cwi, chi, u+float64(cwi)/2, v+float64(chi)/2)
			for c := 0; c < 3; c++ {
				buf[i][c] = buf[i][c]*(1-alpha) + px[c]*alpha
			}
		}
	}

	if s.Thumb {
		// an ellipse from below the frame up over the card's bottom edge
		tx := cx - 0.1*cw*ca
		ty := cy + ch/2 + 0.02*ch
		top := ty - 0.3*ch
		rx := 0.07 * float64(W)
		ry := (float64(H) - top) / 2
		ey := top + ry
		for y := int(top); y < H; y++ {
			for x := int(tx - rx); x <= int(tx+rx); x++ {
				if x < 0 || x >= W || y < 0 {
					continue
				}
				dx, dy := (float64(x)-tx)/rx, (float64(y)-ey)/ry
				if d := dx*dx + dy*dy; d < 1 {
					k := 1 - 0.25*d // rounder shading at the sides
					buf[y*W+x] = rgb{205 * k, 160 * k, 135 * k}
				}
			}
		}
	}
	if s.Glare > 0 {
		gx := cx + (s.GlareX*cw)*ca - (s.GlareY*ch)*sa
		gy := cy + (s.GlareX*cw)*sa + (s.GlareY*ch)*ca
		sig := s.GlareR * cw
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				d2 := (float64(x)-gx)*(float64(x)-gx) + (float64(y)-gy)*(float64(y)-gy)
				g := s.Glare * math.Exp(-d2/(2*sig*sig))
				i := y*W + x
				for c := 0; c < 3; c++ {
					buf[i][c] += g
				}
			}
		}
	}
	if s.Tilt != 0 {
		buf = keystone(buf, W, H, s.Tilt)
	}
	if s.Blur > 0 {
		gaussian(buf, W, H, s.Blur)
	}
	gain := s.Gain
	if gain == 0 {
		gain = 1
	}
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	for i, p := range buf {
		n := 0.0
		if s.Noise > 0 {
			n = r.NormFloat64() * s.Noise
		}
		for c := 0; c < 3; c++ {
			v := p[c]*gain + s.Offset + n
			out.Pix[4*i+c] = uint8(math.Max(0, math.Min(255, v+0.5)))
		}
		out.Pix[4*i+3] = 255
	}
	return out
}

func sample(img []rgb, w, h int, fx, fy float64) rgb {
	fx -= 0.5
	fy -= 0.5
	x0 := int(math.Floor(fx))
	y0 := int(math.Floor(fy))
	ax, ay := fx-float64(x0), fy-float64(y0)
	get := func(x, y int) rgb {
		x = max(0, min(w-1, x))
		y = max(0, min(h-1, y))
		return img[y*w+x]
	}
	p00, p10, p01, p11 := get(x0, y0), get(x0+1, y0), get(x0, y0+1), get(x0+1, y0+1)
	var o rgb
	for c := 0; c < 3; c++ {
		o[c] = p00[c]*(1-ax)*(1-ay) + p10[c]*ax*(1-ay) + p01[c]*(1-ax)*ay + p11[c]*ax*ay
	}
	return o
}

// background fills buf with one of the background styles: all darker than
// the card, with texture, as a table or cloth under a card would be.
func background(buf []rgb, W, H, style int, r *rand.Rand) {
	base := [][3]float64{{95, 62, 40}, {90, 90, 95}, {45, 50, 70}, {30, 45, 80}, {105, 105, 100}, {214, 210, 200}, {150, 150, 150}}[style%7]
	ph1, ph2 := r.Float64()*6, r.Float64()*6
	fr := 0.01 + r.Float64()*0.02
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			fx, fy := float64(x), float64(y)
			var k float64
			switch style % 7 {
			case 5: // light desk or paper, a little uneven
				k = 1 - 0.05*fy/float64(H) + 0.02*math.Sin(fx*fr+ph1)
			case 6: // busy print: a newspaper-like pattern of dark lines
				k = 1
				if int(fy)%14 < 4 && int(fx/9+ph1*10)%7 < 5 {
					k = 0.35
				}
			case 0: // wood grain
				k = 1 + 0.18*math.Sin(fy*fr*3+4*math.Sin(fx*fr*0.3+ph1)) + 0.06*math.Sin(fy*0.9+ph2)
			case 1: // grey gradient (a lamp on one side)
				k = 0.75 + 0.5*fx/float64(W)
			case 2: // woven cloth
				k = 1 + 0.1*math.Sin(fx*0.8+ph1)*math.Sin(fy*0.8+ph2)
			case 3: // desk with a vignette
				dx, dy := fx/float64(W)-0.5, fy/float64(H)-0.5
				k = 1.2 - 1.0*(dx*dx+dy*dy)
			default: // noisy mid grey
				k = 1 + 0.12*math.Sin(fx*fr+ph1)*math.Cos(fy*fr+ph2)
			}
			buf[y*W+x] = rgb{base[0] * k, base[1] * k, base[2] * k}
		}
	}
}

// drawCard renders the card face at w×h.
func drawCard(side Side, w, h int, r *rand.Rand) ([]rgb, int, int) {
	w, h = max(w, 16), max(h, 10)
	tints := [][3]float64{{232, 237, 242}, {240, 236, 224}, {230, 240, 233}, {241, 233, 235}}
	tint := tints[r.IntN(len(tints))]
	c := make([]rgb, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// a faint guilloche pattern, as on real cards
			k := 1 - 0.025*(1+math.Sin(float64(x)*0.15+3*math.Sin(float64(y)*0.05)))
			c[y*w+x] = rgb{tint[0] * k, tint[1] * k, tint[2] * k}
		}
	}
	fill := func(x0, y0, x1, y1 float64, col rgb) {
		for y := int(y0 * float64(h)); y < int(y1*float64(h)) && y < h; y++ {
			for x := int(x0 * float64(w)); x < int(x1*float64(w)) && x < w; x++ {
				if x >= 0 && y >= 0 {
					c[y*w+x] = col
				}
			}
		}
	}
	ink := rgb{40, 42, 50}
	text := func(x0, x1, y0 float64, lines int, lh float64) {
		for l := 0; l < lines; l++ {
			x := x0
			y := y0 + float64(l)*lh*2.1
			for x < x1 {
				wd := 0.02 + r.Float64()*0.06
				if x+wd > x1 {
					wd = x1 - x
				}
				// words made of glyph-like strokes
				for gx := x; gx < x+wd; gx += 0.012 {
					fill(gx, y, gx+0.008, y+lh, ink)
				}
				x += wd + 0.02
			}
		}
	}
	switch side {
	case Front, Blank:
		fill(0, 0, 1, 0.12, rgb{tint[0] * 0.92, tint[1] * 0.95, tint[2] * 0.97})
		text(0.06, 0.55, 0.18, 5, 0.045)
		text(0.06, 0.92, 0.84, 1, 0.05)
		portrait(c, w, h, 0.62, 0.16, 0.94, 0.78, side == Front, r)
	case Passport:
		fill(0, 0, 1, 0.1, rgb{tint[0] * 0.9, tint[1] * 0.93, tint[2] * 0.96})
		portrait(c, w, h, 0.05, 0.14, 0.34, 0.7, true, r)
		text(0.4, 0.95, 0.16, 6, 0.04)
		text(0.04, 0.96, 0.78, 2, 0.045) // MRZ
	case Back:
		// emblem
		cx, cy, rad := 0.16*float64(w), 0.3*float64(h), 0.16*float64(h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				d := math.Hypot(float64(x)-cx, float64(y)-cy)
				if d < rad && int(d)%5 < 2 {
					c[y*w+x] = rgb{200, 60, 50}
				}
			}
		}
		text(0.35, 0.9, 0.16, 2, 0.06)
		text(0.3, 0.9, 0.62, 2, 0.05)
	}
	return c, w, h
}

// portrait draws the photo box; with face set, a shaded head the face
// cascade recognises.
func portrait(c []rgb, w, h int, x0, y0, x1, y1 float64, face bool, r *rand.Rand) {
	bx0, by0 := int(x0*float64(w)), int(y0*float64(h))
	bx1, by1 := int(x1*float64(w)), int(y1*float64(h))
	bg := rgb{205, 215, 232}
	if r.IntN(2) == 0 {
		bg = rgb{232, 232, 232}
	}
	skin := [][3]float64{{1.0, 0.82, 0.7}, {0.95, 0.78, 0.62}, {0.85, 0.66, 0.52}}[r.IntN(3)]
	bw, bh := float64(bx1-bx0), float64(by1-by0)
	s := bh * (0.78 + 0.1*r.Float64()) // head height
	fcx, fcy := float64(bx0)+bw/2, float64(by0)+bh*0.55
	gauss := func(x, y, cx, cy, sx, sy float64) float64 {
		dx, dy := (x-cx)/sx, (y-cy)/sy
		return math.Exp(-(dx*dx + dy*dy) / 2)
	}
	for y := by0; y < by1 && y < h; y++ {
		for x := bx0; x < bx1 && x < w; x++ {
			col := bg
			if face {
				fx, fy := float64(x), float64(y)
				ex := (fx - fcx) / (s * 0.38)
				ey := (fy - fcy) / (s * 0.5)
				d := ex*ex + ey*ey
				if d < 1 {
					v := 170 - 30*d
					if fy < fcy-s*0.28 {
						v = 50
					}
					u := s
					v -= 110 * gauss(fx, fy, fcx-0.15*u, fcy-0.08*u, 0.06*u, 0.03*u)
					v -= 110 * gauss(fx, fy, fcx+0.15*u, fcy-0.08*u, 0.06*u, 0.03*u)
					v -= 80 * gauss(fx, fy, fcx-0.15*u, fcy-0.16*u, 0.08*u, 0.015*u)
					v -= 80 * gauss(fx, fy, fcx+0.15*u, fcy-0.16*u, 0.08*u, 0.015*u)
					v -= 50 * gauss(fx, fy, fcx, fcy+0.1*u, 0.04*u, 0.02*u)
					v -= 90 * gauss(fx, fy, fcx, fcy+0.22*u, 0.1*u, 0.02*u)
					v -= 40 * (1 - gauss(fx, fy, fcx, fcy, 0.25*u, 0.4*u))
					v = math.Max(v, 0)
					col = rgb{v * skin[0] * 1.2, v * skin[1] * 1.2, v * skin[2] * 1.2}
					if fy < fcy-s*0.28 {
						col = rgb{v, v * 0.9, v * 0.8}
					}
				} else if d < 1.3 && fy < fcy {
					col = rgb{50, 45, 40} // hair
				} else if fy > fcy+s*0.45 {
					col = rgb{60, 70, 90} // shoulders
				}
			}
			c[y*w+x] = col
		}
	}
}

// gaussian blurs buf in place with a separable Gaussian kernel.
func gaussian(buf []rgb, W, H int, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	var sum float64
	for i := range k {
		x := float64(i - rad)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]rgb, len(buf))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var o rgb
			for i, kv := range k {
				xx := max(0, min(W-1, x+i-rad))
				p := buf[y*W+xx]
				o[0] += p[0] * kv
				o[1] += p[1] * kv
				o[2] += p[2] * kv
			}
			tmp[y*W+x] = o
		}
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var o rgb
			for i, kv := range k {
				yy := max(0, min(H-1, y+i-rad))
				p := tmp[yy*W+x]
				o[0] += p[0] * kv
				o[1] += p[1] * kv
				o[2] += p[2] * kv
			}
			buf[y*W+x] = o
		}
	}
}

// Encode renders the photo and encodes it as a JPEG. With an Orientation
// above 1 the pixels are stored turned so that a viewer applying the EXIF
// orientation shows the upright picture, and an EXIF block (orientation,
// camera make and model, a GPS position) is inserted.
func Encode(s Spec) ([]byte, error) {
	img := Render(s)
	q := s.Quality
	if q == 0 {
		q = 85
	}
	stored := image.Image(img)
	if s.Orientation > 1 {
		stored = storeAs(img, s.Orientation)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, stored, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	if s.Orientation > 1 {
		return WithExif(b.Bytes(), s.Orientation), nil
	}
	return b.Bytes(), nil
}

// storeAs returns the stored pixels of an upright image that a viewer shows
// correctly under EXIF orientation o (the inverse of applying o).
func storeAs(up *image.RGBA, o int) *image.RGBA {
	W, H := up.Rect.Dx(), up.Rect.Dy()
	sw, sh := W, H
	if o >= 5 {
		sw, sh = H, W
	}
	out := image.NewRGBA(image.Rect(0, 0, sw, sh))
	// For every displayed pixel, find where it is stored and put it there.
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = sw-1-x, y
			case 3:
				sx, sy = sw-1-x, sh-1-y
			case 4:
				sx, sy = x, sh-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, sh-1-x
			case 7:
				sx, sy = sw-1-y, sh-1-x
			case 8:
				sx, sy = sw-1-y, x
			default:
				sx, sy = x, y
			}
			out.SetRGBA(sx, sy, up.RGBAAt(x, y))
		}
	}
	return out
}

// WithExif inserts, right after SOI, an EXIF APP1 segment with the given
// orientation, a camera make and model, and a GPS block.
func WithExif(jpg []byte, orientation int) []byte {
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, le, uint32(8))
	// IFD0: 4 entries.
	const n = 4
	ifdEnd := 8 + 2 + n*12 + 4
	makeOff := ifdEnd
	modelOff := makeOff + 10
	gpsOff := modelOff + 10
	binary.Write(&t, le, uint16(n))
	entry := func(tag, typ uint16, count, val uint32) {
		binary.Write(&t, le, tag)
		binary.Write(&t, le, typ)
		binary.Write(&t, le, count)
		binary.Write(&t, le, val)
	}
	entry(0x010f, 2, 10, uint32(makeOff))
	entry(0x0110, 2, 10, uint32(modelOff))
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, uint32(gpsOff))
	binary.Write(&t, le, uint32(0))
	t.WriteString("SynthCam\x00\x00")
	t.WriteString("Model 1\x00\x00\x00")
	// GPS IFD: latitude ref "N".
	binary.Write(&t, le, uint16(1))
	binary.Write(&t, le, uint16(1))
	binary.Write(&t, le, uint16(2))
	binary.Write(&t, le, uint32(2))
	t.WriteString("N\x00\x00\x00")
	binary.Write(&t, le, uint32(0))

	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := make([]byte, 0, len(jpg)+len(seg)+len(payload))
	out = append(out, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	out = append(out, jpg[2:]...)
	return out
}

// keystone warps the frame as if the camera were tilted: rows shrink towards
// the top, so a rectangle becomes a trapezoid.
func keystone(buf []rgb, W, H int, tilt float64) []rgb {
	out := make([]rgb, len(buf))
	cx := float64(W) / 2
	for y := 0; y < H; y++ {
		// scale of this row: 1-tilt at the top, 1 at the bottom
		k := 1 - tilt*(1-float64(y)/float64(H-1))
		for x := 0; x < W; x++ {
			sx := cx + (float64(x)+0.5-cx)/k
			out[y*W+x] = sample(buf, W, H, sx, float64(y)+0.5)
		}
	}
	return out
}
