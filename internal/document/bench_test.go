package document

import (
	"sync"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

var (
	benchOnce    sync.Once
	benchJPEG    []byte
	benchRotated []byte // the same picture stored sideways with EXIF orientation 6
)

// benchImage is a 2000×1500 synthetic ID-card photo (JPEG quality 90).
func benchImage(tb testing.TB) []byte {
	benchOnce.Do(func() {
		var err error
		spec := synth.Spec{Seed: 1, W: 2000, H: 1500, Side: synth.Front, CardWidth: 0.7,
			CX: 0.5, CY: 0.5, Angle: 5, Background: 0, Noise: 2, Quality: 90, Gain: 0.95}
		benchJPEG, err = synth.Encode(spec)
		if err != nil {
			tb.Fatal(err)
		}
		spec.Orientation = 6
		benchRotated, err = synth.Encode(spec)
		if err != nil {
			tb.Fatal(err)
		}
	})
	return benchJPEG
}

// BenchmarkGate is the whole gate (decode and every check) on a 2000×1500
// JPEG; run with -cpu 1. The +clean variants add making the stored copy:
// a lossless metadata strip for an upright photo, a re-encode for one that
// EXIF says to rotate.
func BenchmarkGate(b *testing.B) {
	data := benchImage(b)
	g, err := NewGate(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("checks", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		defer reportCPU(b)()
		for b.Loop() {
			rep, err := g.check(data, KindIDFront, false)
			if err != nil || !rep.Accepted {
				b.Fatalf("%v %v", err, rep)
			}
		}
	})
	b.Run("checks+clean", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		defer reportCPU(b)()
		for b.Loop() {
			rep, err := g.Check(data, KindIDFront)
			if err != nil || !rep.Accepted {
				b.Fatalf("%v %v", err, rep)
			}
		}
	})
	b.Run("checks+clean/rotated", func(b *testing.B) {
		b.SetBytes(int64(len(benchRotated)))
		defer reportCPU(b)()
		for b.Loop() {
			rep, err := g.Check(benchRotated, KindIDFront)
			if err != nil || !rep.Accepted || rep.Width != 2000 {
				b.Fatalf("%v %v", err, rep)
			}
		}
	})
}

// reportCPU adds a cpu-ms/op metric: process CPU time per operation, which,
// unlike ns/op, does not grow when other processes share the machine.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/1e6/float64(b.N), "cpu-ms/op")
		}
	}
}
