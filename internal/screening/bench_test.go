package screening

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// BenchmarkSearch measures in-process queries on the OFAC 2021 and UN
// 2026-02 lists, per kind of query of the labelled set (exact names,
// aliases, typos, dropped and swapped tokens, Han characters, controls),
// reporting the median and 99th percentile of single queries, in wall
// time and in the CPU time of the benchmark's thread.
//
//	go test -run '^$' -bench BenchmarkSearch -benchtime 3000x ./internal/screening/
func BenchmarkSearch(b *testing.B) {
	_, ix := testLists(b)
	set := readLabelled(b)
	kinds := map[string][]Query{}
	var order []string
	for _, l := range set {
		k := l.Kind
		if l.Want == "-" {
			k = "control"
			if l.Kind != "control" {
				k = "control_han"
			}
		}
		if _, ok := kinds[k]; !ok {
			order = append(order, k)
		}
		kinds[k] = append(kinds[k], Query{Name: l.Name, BirthDate: l.DOB})
	}
	for _, k := range order {
		qs := kinds[k]
		b.Run(k, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			lat := make([]time.Duration, 0, b.N)
			cpu := make([]time.Duration, 0, b.N)
			i := 0
			for b.Loop() {
				c0, t0 := threadCPU(), time.Now()
				ix.Search(qs[i%len(qs)])
				lat = append(lat, time.Since(t0))
				cpu = append(cpu, threadCPU()-c0)
				i++
			}
			slices.Sort(lat)
			slices.Sort(cpu)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			// The same on the thread's CPU clock: unaffected by a loaded
			// machine descheduling the benchmark.
			b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "p50-cpu-µs")
			b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "p99-cpu-µs")
		})
	}
}

// BenchmarkIndexBuild measures building the index of both lists.
func BenchmarkIndexBuild(b *testing.B) {
	ents, _ := testLists(b)
	for b.Loop() {
		NewIndex(ents)
	}
}
