package tesseract_test

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/ocr"
)

// BenchmarkReadAndClassify is the upload-time reading as the server runs it
// (PP-OCR for the page, tesseract for MRZ strips): read each fixture as the
// kind it was filed under, then classify it. The goal is under 2 s per
// document on one core.
func BenchmarkReadAndClassify(b *testing.B) {
	r, st := ocr.Open(ocr.Dir()) // PP-OCR pages, tesseract (this package) for MRZ strips
	if r == nil {
		b.Skip(st.Detail)
	}
	defer r.Close()
	paths, _ := filepath.Glob("../testdata/*.jpg")
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
