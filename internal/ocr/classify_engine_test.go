package ocr_test

import (
	"context"
	"testing"

	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
)

// TestClassifyReadDocuments classifies what PP-OCR reads on the fixtures and
// on freshly generated documents of every kind, each read as if it had been
// uploaded as an ID card's front (the page lines do not depend on the kind a
// reader is told), so a passport page or a permit in the wrong slot is told
// apart from the document the slot wants.
func TestClassifyReadDocuments(t *testing.T) {
	r := openReader(t)
	ctx := context.Background()
	check := func(name, want string, res *ocr.Result) {
		t.Helper()
		c := res.Classify()
		if c.Kind != want || !c.Accepts(want) {
			t.Errorf("%s: classified %+v, want %s", name, c, want)
		}
	}
	for _, f := range fixtures(t) {
		res, err := r.Read(ctx, ocr.KindIDFront, f.img)
		if err != nil {
			t.Fatal(err)
		}
		check(f.name, f.truth.Kind, res)
	}
	g, err := synth.New(77, synth.Options{})
	if err != nil {
		t.Skip(err)
	}
	for _, kind := range synth.Kinds {
		for i := 0; i < 2; i++ {
			d, err := g.Generate(kind)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Read(ctx, ocr.KindIDFront, d.Image)
			if err != nil {
				t.Fatal(err)
			}
			check(kind, kind, res)
		}
	}
}
