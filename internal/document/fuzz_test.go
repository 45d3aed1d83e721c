package document

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// FuzzCheck feeds arbitrary bytes through sniffing, the decoders, EXIF
// parsing, the checks and the clean copy: no input may panic or make Check
// return an error, and a refused file never has a clean copy.
func FuzzCheck(f *testing.F) {
	small := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for i := range small.Pix {
		small.Pix[i] = uint8(i * 13)
	}
	var j, p, gp bytes.Buffer
	_ = jpeg.Encode(&j, small, &jpeg.Options{Quality: 50})
	_ = png.Encode(&p, small)
	gray := image.NewGray(image.Rect(0, 0, 40, 40))
	gray.SetGray(3, 3, color.Gray{200})
	_ = png.Encode(&gp, gray)
	card, _ := synth.Encode(synth.Spec{Seed: 5, W: 96, H: 72, Side: synth.Front, CardWidth: 0.7, CX: 0.5, CY: 0.5, Quality: 60, Orientation: 6})
	for _, seed := range [][]byte{
		j.Bytes(), p.Bytes(), gp.Bytes(), card,
		j.Bytes()[:len(j.Bytes())/2], p.Bytes()[:40], card[:200],
		synth.WithExif(j.Bytes(), 8),
		[]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
		{}, {0xff, 0xd8, 0xff}, []byte("\x89PNG\r\n\x1a\n"),
	} {
		f.Add(seed)
	}
	g, err := NewGate(Config{Limits: Limits{MinSide: 8, MaxPixels: 1 << 20, MaxBytes: 1 << 20}})
	if err != nil {
		f.Fatal(err)
	}
	kinds := []Kind{KindIDFront, KindSelfie, KindOther}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range kinds {
			rep, err := g.Check(data, k)
			if err != nil {
				t.Fatalf("Check error on fuzz input: %v", err)
			}
			if rep.Accepted && rep.Clean == nil {
				t.Fatal("accepted without a clean copy")
			}
			if len(rep.Clean) > 0 {
				// Upright as the report says, with no metadata but the
				// orientation.
				up, err := DecodeImage(rep.Clean)
				if err != nil {
					t.Fatalf("clean copy does not decode: %v", err)
				}
				if sz := up.Bounds().Size(); sz.X != rep.Width || sz.Y != rep.Height {
					t.Fatalf("clean copy upright %v, report %dx%d", sz, rep.Width, rep.Height)
				}
				if md := readJPEGMeta(rep.Clean); md.Camera || md.GPS {
					t.Fatalf("metadata left in the clean copy: %+v", md)
				}
			}
		}
	})
}
