package synth

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestEncode(t *testing.T) {
	s := Spec{Seed: 1, W: 160, H: 120, Side: Front, CardWidth: 0.7, CX: 0.5, CY: 0.5, Quality: 80}
	a, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Encode(s)
	if !bytes.Equal(a, b) {
		t.Error("not deterministic")
	}
	for o := 1; o <= 8; o++ {
		s.Orientation = o
		data, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		wantW, wantH := 160, 120
		if o >= 5 {
			wantW, wantH = 120, 160
		}
		if cfg.Width != wantW || cfg.Height != wantH {
			t.Errorf("orientation %d stored as %dx%d", o, cfg.Width, cfg.Height)
		}
		if hasExif := bytes.Contains(data[:64], []byte("Exif\x00\x00")); hasExif != (o > 1) {
			t.Errorf("orientation %d: EXIF present = %v", o, hasExif)
		}
	}
}

// The portrait is where the layout puts it: darker than the card around it.
func TestRenderLayout(t *testing.T) {
	img := Render(Spec{Seed: 2, W: 400, H: 300, Side: Front, CardWidth: 0.8, CX: 0.5, CY: 0.5})
	luma := func(x, y int) int {
		c := img.RGBAAt(x, y)
		return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
	}
	// card spans x 40..360; the face centre is at about 0.78 of its width
	face := luma(40+250, 150)
	card := luma(40+179, 200)
	if face >= card {
		t.Errorf("face %d not darker than card %d", face, card)
	}
	if bg := luma(5, 5); bg >= card {
		t.Errorf("background %d not darker than card %d", bg, card)
	}
}
