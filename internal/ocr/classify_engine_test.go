package ocr_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
	_ "github.com/veriwallet/veriwallet/internal/ocr/tesseract" // the MRZ strip engine, as the server loads it
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

// BenchmarkReadAndClassify is the upload-time reading as the server runs it
// (PP-OCR for the page, tesseract for MRZ strips): read each fixture as the
// kind it was filed under, then classify it. The goal is under 2 s per
// document on one core.
func BenchmarkReadAndClassify(b *testing.B) {
	r, st := ocr.Open(ocr.Dir())
	if r == nil {
		b.Skip(st.Detail)
	}
	defer r.Close()
	paths, _ := filepath.Glob("testdata/*.jpg")
	for _, p := range paths {
		jb, _ := os.ReadFile(p)
		img, _, err := image.Decode(bytes.NewReader(jb))
		if err != nil {
			b.Fatal(err)
		}
		kind := strings.TrimSuffix(filepath.Base(p)[5:], ".jpg")
		b.Run(strings.TrimSuffix(filepath.Base(p), ".jpg"), func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				res, err := r.Read(context.Background(), kind, img)
				if err != nil {
					b.Fatal(err)
				}
				if c := res.Classify(); c.Kind != kind {
					b.Fatalf("classified %+v", c)
				}
			}
			// CPU per document: what one core spends, however busy the machine.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
