package bench

import (
	"os"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/ocr"
	ocrsynth "github.com/veriwallet/veriwallet/internal/ocr/synth"
	_ "github.com/veriwallet/veriwallet/internal/ocr/tesseract"
)

// With the OCR engines installed (scripts/setup.sh), the benchmark reads
// every card for real: generated cards with printed names and numbers, two
// readers as in the binary. BENCH_NO_OCR=1 measures the pipeline alone.
func init() {
	if os.Getenv("BENCH_NO_OCR") != "" {
		return
	}
	pool, st := ocr.OpenPool(ocr.Dir(), jobs.Workers()) // as the binary
	if pool == nil {
		return
	}
	Reader = app.OCRReader(pool, st)
	gen := map[int]*ocrsynth.Generator{}
	Cards = func(b *testing.B, i int) ([]byte, []byte, string, string) {
		g := gen[i]
		if g == nil {
			var err error
			if g, err = ocrsynth.New(uint64(1000+i), ocrsynth.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		front, err := g.Generate(ocr.KindIDFront)
		if err != nil {
			b.Fatal(err)
		}
		// A customer photographs a card that is still valid.
		var back *ocrsynth.Doc
		for back == nil || back.Truth.Fields["valid_until"] != "长期" && back.Truth.Fields["valid_until"] < time.Now().Format("2006-01-02") {
			if back, err = g.Generate(ocr.KindIDBack); err != nil {
				b.Fatal(err)
			}
		}
		return front.JPEG, back.JPEG, front.Truth.Fields["name"], front.Truth.Fields["id_number"]
	}
}
