package face

import (
	"image"
	"math"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTuningSet recomputes what DefaultThresholds were chosen from: on the
// tuning set only (tunePeople × tuneSame for the same person, tunePeople
// against each other for different people, the originals and tuneSame for
// live photographs), and checks the thresholds still separate them with a
// margin. The report set is in face_test.go.
func TestTuningSet(t *testing.T) {
	e := openEngine(t)
	th := DefaultThresholds()
	minSame, maxDiff, minLive := 2.0, -2.0, 2.0
	var embs [][][]float32
	for _, p := range tunePeople {
		orig := load(t, "testdata/"+p)
		doc := analyze(t, e, orig, true)
		minLive = math.Min(minLive, doc.Liveness)
		var mine [][]float32
		mine = append(mine, doc.Embedding)
		for _, tr := range tuneSame {
			s := analyze(t, e, tr.fn(orig), true)
			minLive = math.Min(minLive, s.Liveness)
			if s.Embedding == nil {
				continue
			}
			mine = append(mine, s.Embedding)
			sim := Similarity(doc.Embedding, s.Embedding)
			minSame = math.Min(minSame, sim)
			t.Logf("tune same %-13s %-11s sim=%.3f live=%.3f", p, tr.name, sim, s.Liveness)
		}
		embs = append(embs, mine)
	}
	for _, a := range embs[0] {
		for _, b := range embs[1] {
			maxDiff = math.Max(maxDiff, Similarity(a, b))
		}
	}
	for _, p := range tunePeople {
		orig := load(t, "testdata/"+p)
		for _, tr := range tuneRecapture {
			s := analyze(t, e, tr.fn(orig), true)
			t.Logf("tune recapture %-13s %-10s faces=%d live=%.3f", p, tr.name, len(s.Faces), s.Liveness)
		}
	}
	t.Logf("tuning set: lowest same-person similarity %.3f, highest different-people similarity %.3f, lowest liveness of a photograph %.3f", minSame, maxDiff, minLive)
	if !(maxDiff < th.Review && th.Review < th.Match && th.Match < minSame) {
		t.Errorf("thresholds review=%.2f match=%.2f do not separate the tuning set (different ≤ %.3f, same ≥ %.3f)", th.Review, th.Match, maxDiff, minSame)
	}
	if !(th.Live < minLive) {
		t.Errorf("live threshold %.2f would call a tuning photograph (%.3f) not live", th.Live, minLive)
	}
}

func identity(m image.Image) image.Image { return m }

// BenchmarkSelfie measures one selfie's detect + embed + liveness on one
// thread (the engine's models run with one intra-op thread; run with
// -cpu 1). selfie-320x400 is pigo.jpg; selfie-1280x1600-jpeg the same
// enlarged 4× and JPEG-decoded, as a phone camera would send it (reduced to ≤ 1280 first);
// portrait-in-3000x2000 a small face in a large photo (the tiled pass and the re-read).
func BenchmarkSelfie(b *testing.B) {
	e := openEngine(b)
	small := load(b, "testdata/pigo.jpg")
	for _, c := range []struct {
		name string
		m    image.Image
	}{{"selfie-320x400", small}, {"selfie-1280x1600-jpeg", jpegQ(90)(scaled(4)(small))},
		{"portrait-in-3000x2000", placed(load(b, "testdata/astronaut.jpg"), 0.8, 3000, 2000, 1700, 900)}} {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				a := analyze(b, e, c.m, true)
				if a.Embedding == nil || a.Liveness < 0 {
					b.Fatal("no face")
				}
			}
			// CPU time of the process (user + system) per analysis: on a
			// shared machine wall time includes waiting for the core.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkStages splits BenchmarkSelfie (320×400) into its steps.
func BenchmarkStages(b *testing.B) {
	e := openEngine(b)
	m, _, _ := toRGB(load(b, "testdata/pigo.jpg"))
	boxes, err := e.runDetect(m)
	if err != nil || len(boxes) == 0 {
		b.Fatal("no face", err)
	}
	b.Run("detect", func(b *testing.B) {
		for b.Loop() {
			e.runDetect(m)
		}
	})
	b.Run("landmarks+embed", func(b *testing.B) {
		for b.Loop() {
			e.runEmbed(m, boxes[0])
		}
	})
	b.Run("liveness", func(b *testing.B) {
		for b.Loop() {
			e.runLiveness(m, boxes[0])
		}
	})
}
