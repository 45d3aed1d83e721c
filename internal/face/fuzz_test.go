package face

import (
	"encoding/binary"
	"image"
	"math"
	"testing"
)

func floats(b []byte, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if len(b) >= 4 {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
			b = b[4:]
		} else if len(b) > 0 {
			out[i] = float32(b[0]) / 255
			b = b[1:]
		}
	}
	return out
}

// FuzzPostprocess feeds arbitrary model outputs (NaN, Inf, huge, negative)
// and image sizes to the decoding and alignment steps: no panic, boxes
// inside the image, embeddings finite or nil.
func FuzzPostprocess(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint16(320), uint16(240))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0x80, 0x7f}, uint16(1), uint16(1))
	f.Add(make([]byte, 64), uint16(0), uint16(5000))
	f.Fuzz(func(t *testing.T, b []byte, w16, h16 uint16) {
		w, h := int(w16%3000), int(h16%3000)
		scores := floats(b, 2*detAnchors/64)
		for i := range scores {
			if i%2 == 1 && i%7 == 1 {
				scores[i] = 0.9
			}
		}
		boxes := floats(append(b, b...), 4*detAnchors/64)
		if w == 0 || h == 0 {
			if got := decodeDetections(scores, boxes, newLetterbox(max(w, 1), max(h, 1)), w, h); len(got) != 0 {
				t.Fatalf("boxes in an empty image: %v", got)
			}
			return
		}
		found := decodeDetections(scores, boxes, newLetterbox(w, h), w, h)
		if merged := mergeBoxes(append(found, found...)); len(merged) > len(found) {
			t.Fatalf("merging duplicated boxes gave more: %d > %d", len(merged), len(found))
		}
		for _, bx := range found {
			if !(bx.x1 >= 0 && bx.y1 >= 0 && bx.x2 <= float64(w) && bx.y2 <= float64(h) && bx.x1 < bx.x2 && bx.y1 < bx.y2) {
				t.Fatalf("box %+v outside %dx%d", bx, w, h)
			}
		}
		m := &rgbImage{w: w % 300, h: h % 300}
		m.pix = make([]uint8, m.w*m.h*3)
		bx := box{x1: float64(boxes[0]), y1: float64(boxes[1]), x2: float64(boxes[2]), y2: float64(boxes[3])}
		if m.w > 0 && m.h > 0 {
			in, rect := landmarkInput(m, bx)
			if len(in) != lmSize*lmSize {
				t.Fatal("landmark input size")
			}
			if pts, ok := fivePoints(floats(b, 136), rect); ok {
				if data, ok := embedInput(m, pts); ok && len(data) != 3*embSize*embSize {
					t.Fatal("embed input size")
				}
			}
			if len(liveInput(m, bx)) != 3*liveSize*liveSize {
				t.Fatal("liveness input size")
			}
			c := m.crop(int(int16(w16)), int(int16(h16)), int(w16%400), int(h16%400))
			if c.w < 0 || c.h < 0 || c.w > m.w || c.h > m.h || len(c.pix) != c.w*c.h*3 {
				t.Fatalf("crop %dx%d of %dx%d", c.w, c.h, m.w, m.h)
			}
		}
		if p := softmaxAt(floats(b, 3), 0); !(p == -1 || (p >= 0 && p <= 1)) {
			t.Fatalf("softmax %v", p)
		}
		if v := normalize(floats(b, 8)); v != nil {
			if s := Similarity(v, v); math.Abs(s-1) > 1e-3 {
				t.Fatalf("normalised self-similarity %v", s)
			}
		}
	})
}

// FuzzToRGB converts images of arbitrary sizes and offsets: no panic, never
// larger than maxWork, a factor that maps back to the input size.
func FuzzToRGB(f *testing.F) {
	f.Add(int16(0), int16(0), uint16(1), uint16(1), uint8(0))
	f.Add(int16(-5), int16(7), uint16(4000), uint16(3), uint8(1))
	f.Add(int16(3), int16(3), uint16(2561), uint16(1281), uint8(2))
	f.Fuzz(func(t *testing.T, x0, y0 int16, w16, h16 uint16, kind uint8) {
		w, h := int(w16%5000), int(h16%5000)
		if w*h > 1_000_000 {
			return // keep each case fast; large sizes are covered by the seeds
		}
		r := image.Rect(int(x0), int(y0), int(x0)+w, int(y0)+h)
		var m image.Image
		switch kind % 4 {
		case 0:
			m = image.NewRGBA(r)
		case 1:
			m = image.NewGray(r)
		case 2:
			m = image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
		default:
			m = image.NewNRGBA(r)
		}
		out, factor, err := toRGB(m)
		if err != nil {
			return // the image's own accessors panicked (caught)
		}
		if out.w > maxWork || out.h > maxWork || len(out.pix) != out.w*out.h*3 {
			t.Fatalf("%v: %dx%d (%d bytes)", r, out.w, out.h, len(out.pix))
		}
		if w > 0 && h > 0 && (float64(out.w)*factor < float64(w) || float64(out.h)*factor < float64(h)) {
			t.Fatalf("%v: %dx%d ×%v does not cover the input", r, out.w, out.h, factor)
		}
	})
}
