package document

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"
)

// previewJPEG is the fixture portrait in a w×h grey frame, as the selfie
// step's canvas sends it.
func previewJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "face", "portrait.jpg"))
	if err != nil {
		tb.Fatal(err)
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	fh := h * 9 / 10
	fw := fh * 320 / 400
	draw.CatmullRom.Scale(dst, image.Rect(w/2-fw/2, h/2-fh/2, w/2+fw/2, h/2+fh/2), src, src.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 70})
	return buf.Bytes()
}

func TestPreviewFaces(t *testing.T) {
	g, err := NewGate(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := g.PreviewFaces(previewJPEG(t, 320, 240))
	if err != nil || len(fs) != 1 || fs[0].Size < 0.5 || fs[0].X < 0.4 || fs[0].X > 0.6 {
		t.Fatalf("one large centred face: %+v %v", fs, err)
	}
	for _, bad := range [][]byte{nil, []byte("GIF89a"), previewJPEG(t, 640, 480), previewJPEG(t, 60, 60), append(previewJPEG(t, 320, 240), make([]byte, PreviewMaxBytes)...)} {
		if _, err := g.PreviewFaces(bad); err != ErrPreviewInvalid {
			t.Errorf("%d bytes: %v", len(bad), err)
		}
	}
}

// BenchmarkPreviewFaces is the server's work per preview frame of the
// selfie step (320×240 JPEG: decode and the face cascade).
func BenchmarkPreviewFaces(b *testing.B) {
	g, err := NewGate(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	frame := previewJPEG(b, 320, 240)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.PreviewFaces(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzPreviewFaces: no frame makes the preview panic, and every answer is
// either faces inside the frame or PREVIEW_INVALID.
func FuzzPreviewFaces(f *testing.F) {
	f.Add(previewJPEG(f, 160, 120))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	g, err := NewGate(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := g.PreviewFaces(data)
		if err != nil {
			if err != ErrPreviewInvalid {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, p := range fs {
			if p.X < 0 || p.X > 1 || p.Y < 0 || p.Y > 1 || p.Size <= 0 || p.Size > 1.5 {
				t.Fatalf("face outside the frame: %+v", p)
			}
		}
	})
}
