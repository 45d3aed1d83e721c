package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// BenchmarkThroughput submits cases faster than two cores decide them:
// BENCH_RATE cases a second (5) for BENCH_SECONDS (12; 60 for the README
// figure), each a customer who uploads the front and the back of their ID
// card (the image gate, then a reading job per photo), attaches them and
// submits. With the OCR engines installed both sides are read for real.
// It reports
//
//   - decisions/s: cases decided per second from the first submission to
//     the last decision (the machine's capacity when the rate exceeds it);
//
//   - p50/p95/p99 submit→decision, from the case's submission time to its
//     decision's commit (the server's clock), and the longest;
//
//   - order: the longest wait against the median, and how many cases were
//     decided before one submitted earlier (the queue drains in order);
//
//   - CPU ms per case: the process's CPU time (every thread, cgo included)
//     divided by the cases, split by a CPU profile of the run into the
//     gate, each side's reading (and each engine), cross-check and
//     decision, the database and queue, HTTP, crypto and the runtime (the
//     benchmark's own HTTP client is counted apart).
//
//     BENCH_RATE=5 BENCH_SECONDS=60 go test -run x -bench Throughput -benchtime 1x -timeout 30m ./bench/
//
// BENCH_PROFILE=FILE also writes the CPU profile (go tool pprof FILE).
func BenchmarkThroughput(b *testing.B) {
	reader := Reader
	engine := "real OCR on both sides"
	if reader == nil || Cards == nil {
		reader, engine = echoReader{}, "echo reader (OCR not measured)"
	}
	rate := envFloat("BENCH_RATE", 5)
	seconds := envFloat("BENCH_SECONDS", 12)
	n := max(1, int(rate*seconds))
	sender := &codes{m: map[string]string{}}
	var reads atomic.Int64
	// The queue polls as the binary's does (200 ms): on SQLite idle polling
	// costs CPU in proportion to time, not cases.
	srv, application := newAppPoll(b, sideLabels{reader, &reads}, sender, 0)

	type prepared struct {
		c           *client
		id          string
		front, back []byte
	}
	cases := make([]*prepared, n)
	for i := range n {
		c := &client{b: b, base: srv.URL}
		email := fmt.Sprintf("t%d@example.com", i)
		c.do("POST", "/api/v1/auth/register", `{"email":"`+email+`","password":"bench password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil)
		var login struct{ Token string }
		c.do("POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"bench password"}`, &login)
		c.token = login.Token
		c.do("POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil)
		var v struct{ Verification struct{ ID string } }
		c.do("POST", "/api/v1/verifications", `{"level":"standard"}`, &v)
		id := v.Verification.ID
		phone := fmt.Sprintf("+86139%08d", i)
		var front, back []byte
		name, number := "王小明", idNumber(i)
		if engine == "real OCR on both sides" {
			front, back, name, number = Cards(b, i)
		} else {
			front, back = throughputPhoto(b, i, synth.Front), throughputPhoto(b, i, synth.Back)
		}
		c.do("PUT", "/api/v1/verifications/"+id+"/applicant", `{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"}`, nil)
		c.do("POST", "/api/v1/verifications/"+id+"/phone/send", "", nil)
		sender.mu.Lock()
		code := sender.m[phone]
		sender.mu.Unlock()
		c.do("POST", "/api/v1/verifications/"+id+"/phone/confirm", `{"code":"`+code+`"}`, nil)
		cases[i] = &prepared{c: c, id: id, front: front, back: back}
	}
	runtime.GC()

	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		b.Fatal(err)
	}
	cpu0 := processCPU()
	reads.Store(0)
	load0 := loadAverage()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, p := range cases {
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		wg.Go(func() {
			f := p.c.upload("id_front", p.front)
			bk := p.c.upload("id_back", p.back)
			p.c.do("POST", "/api/v1/verifications/"+p.id+"/documents", `{"kind":"id_front","document_id":"`+f+`"}`, nil)
			p.c.do("POST", "/api/v1/verifications/"+p.id+"/documents", `{"kind":"id_back","document_id":"`+bk+`"}`, nil)
			if st := p.c.do("POST", "/api/v1/verifications/"+p.id+"/submit", "", nil); st != 202 {
				b.Errorf("submit: %d", st)
			}
		})
	}
	wg.Wait()
	submittedBy := time.Since(start)

	// Wait for every decision: the first undecided case (in submission
	// order) is checked every 100 ms, so waiting costs the machine nothing.
	ctx := context.Background()
	decided := func(c *verification.Case) bool {
		return c.Status != verification.StatusSubmitted && c.Status != verification.StatusProcessing
	}
	got := make([]*verification.Case, n)
	deadline := time.Now().Add(time.Duration(n)*5*time.Second + time.Minute)
	for next := 0; next < n; {
		c, err := application.Cases.Case(ctx, cases[next].id)
		if err != nil {
			b.Fatal(err)
		}
		if decided(c) {
			got[next] = c
			next++
			continue
		}
		if time.Now().After(deadline) {
			b.Fatalf("case %d of %d not decided after %v", next, n, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	pprof.StopCPUProfile()
	load1 := loadAverage()

	type result struct {
		submitted, decided time.Time
		status             verification.Status
	}
	res := make([]result, n)
	statuses := map[string]int{}
	for i, c := range got {
		if c.SubmittedAt == nil {
			b.Fatalf("case %d without a submission time", i)
		}
		res[i] = result{*c.SubmittedAt, c.UpdatedAt, c.Status}
		statuses[string(c.Status)]++
	}
	// In submission order (as the server saw it).
	sort.Slice(res, func(i, j int) bool { return res[i].submitted.Before(res[j].submitted) })
	lat := make([]time.Duration, n)
	first, last := res[0].submitted, res[0].decided
	overtaken := 0
	latestDecision := time.Time{}
	// How far a case's place in the order of decisions is from its place
	// in the order of submissions.
	byDecision := make([]int, n)
	for i := range byDecision {
		byDecision[i] = i
	}
	sort.SliceStable(byDecision, func(x, y int) bool { return res[byDecision[x]].decided.Before(res[byDecision[y]].decided) })
	displaced := 0
	for place, i := range byDecision {
		displaced = max(displaced, place-i, i-place)
	}
	for i, r := range res {
		lat[i] = r.decided.Sub(r.submitted)
		if r.decided.After(last) {
			last = r.decided
		}
		if r.decided.Before(latestDecision) {
			overtaken++ // decided before a case submitted earlier
		}
		latestDecision = maxTime(latestDecision, r.decided)
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	q := func(p float64) time.Duration { return sorted[min(n-1, int(p*float64(n)))] }
	span := last.Sub(first).Seconds()
	rateOut := float64(n) / span
	perCase := float64(cpu.Milliseconds()) / float64(n)

	b.ReportMetric(rateOut, "decisions/s")
	b.ReportMetric(perCase, "cpu-ms/case")
	b.ReportMetric(float64(q(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(q(0.95).Milliseconds()), "p95-ms")
	b.ReportMetric(float64(q(0.99).Milliseconds()), "p99-ms")
	b.ReportMetric(float64(sorted[n-1].Milliseconds()), "max-ms")
	b.Logf("%d cases offered at %.1f/s (all submitted after %.1f s) with %s, GOMAXPROCS %d, load average %s → %s",
		n, rate, submittedBy.Seconds(), engine, runtime.GOMAXPROCS(0), load0, load1)
	b.Logf("decided %d in %.1f s: %.2f decisions/s; outcomes %v", n, span, rateOut, statuses)
	b.Logf("submit→decision p50 %v, p95 %v, p99 %v, max %v", q(0.5).Round(time.Millisecond), q(0.95).Round(time.Millisecond),
		q(0.99).Round(time.Millisecond), sorted[n-1].Round(time.Millisecond))
	b.Logf("order: longest wait %v = %.1f× the median; %d of %d cases decided before one submitted earlier, none more than %d places from its turn",
		sorted[n-1].Round(time.Millisecond), sorted[n-1].Seconds()/max(q(0.5).Seconds(), 1e-9), overtaken, n, displaced)
	b.Logf("CPU: %.0f ms per case (process CPU %v for %d cases): %d cores of our own would decide %.2f cases/s; %d readings of %d photos; %d workers a queue",
		perCase, cpu.Round(time.Millisecond), n, runtime.NumCPU(), float64(runtime.NumCPU())*1000/perCase, reads.Load(), 2*n, jobs.Workers())
	if path := os.Getenv("BENCH_PROFILE"); path != "" {
		os.WriteFile(path, prof.Bytes(), 0o644)
	}
	split, err := cpuSplit(prof.Bytes())
	if err != nil {
		b.Logf("CPU split: %v", err)
		return
	}
	var total time.Duration
	for _, s := range split {
		total += s.cpu
	}
	// One line: a benchmark's log keeps only its first ten lines.
	var parts []string
	for _, s := range split {
		parts = append(parts, fmt.Sprintf("%s %.0f ms (%.1f%%)", s.stage, float64(s.cpu.Milliseconds())/float64(n), 100*float64(s.cpu)/float64(total)))
	}
	b.Logf("CPU per case by stage (profile): %s", strings.Join(parts, "; "))
}

// sideLabels labels the CPU profile's samples of each reading with the
// document's side, so the split can tell the front's reading from the
// back's.
// It counts the readings too.
type sideLabels struct {
	verification.DocumentReader
	n *atomic.Int64
}

func (r sideLabels) Read(ctx context.Context, kind document.Kind, img []byte) (rd verification.Reading, err error) {
	r.n.Add(1)
	pprof.Do(ctx, pprof.Labels("side", string(kind)), func(ctx context.Context) {
		rd, err = r.DocumentReader.Read(ctx, kind, img)
	})
	return rd, err
}

type stageCPU struct {
	stage string
	cpu   time.Duration
}

// stages attribute a profile sample to the first stage whose marker is in
// its stack (the reading's side comes from the sample's label).
var stages = []struct{ stage, marker string }{
	{"benchmark client (not counted)", "bench.(*client)"},
	{"gate (upload check, strip)", "internal/document.(*Gate).check"},
	{"read: decode stored photo", "internal/document.DecodeImage"},
	{"read: tesseract", "internal/ocr/tesseract"},
	{"read: glyph matcher", "internal/ocr.(*glyphBank)"},
	{"read: ppocr", "internal/ocr.(*PPOCR)"},
	{"read: other", "internal/ocr."},
	{"cross-check and decision", "internal/verification.CrossCheck"},
	{"cross-check and decision", "internal/verification.(*Levels)"},
	{"cross-check and decision", "internal/verification.(*Service).slotChecks"},
	{"database", "database/sql"},
	{"database", "modernc.org/sqlite"},
	{"crypto (sessions, encryption at rest)", "crypto/"},
	{"crypto (sessions, encryption at rest)", "internal/keys"},
	{"gc and runtime", "runtime.gcBgMarkWorker"},
	{"gc and runtime", "runtime.bgsweep"},
	{"gc and runtime", "runtime.bgscavenge"},
	{"queue (River, not in SQL)", "riverqueue"},
	{"http and json", "net/http"},
	{"http and json", "encoding/json"},
	{"threads outside Go (no stack)", "runtime._ExternalCode"},
}

// cpuSplit sums a CPU profile's samples by stage, largest first.
func cpuSplit(raw []byte) ([]stageCPU, error) {
	p, err := profile.Parse(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("no cpu samples")
	}
	sum := map[string]time.Duration{}
	for _, s := range p.Sample {
		stage := "other"
	find:
		for _, st := range stages {
			for _, loc := range s.Location {
				for _, l := range loc.Line {
					if l.Function != nil && strings.Contains(l.Function.Name, st.marker) {
						stage = st.stage
						break find
					}
				}
			}
		}
		if strings.HasPrefix(stage, "read: ") {
			if side := s.Label["side"]; len(side) > 0 {
				stage = "read " + side[0] + ": " + strings.TrimPrefix(stage, "read: ")
			}
		}
		sum[stage] += time.Duration(s.Value[idx])
	}
	var out []stageCPU
	for k, v := range sum {
		out = append(out, stageCPU{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cpu > out[j].cpu })
	return out, nil
}

// processCPU is the process's user and system CPU time, every thread.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// throughputPhoto is a card photo for the echo reader: 1000+i wide, so it
// reads as applicant i (see echoReader).
func throughputPhoto(b *testing.B, i int, side synth.Side) []byte {
	r := rand.New(rand.NewPCG(uint64(i), uint64(len(side))))
	data, err := synth.Encode(synth.Spec{Seed: uint64(i*2 + len(side)), W: 1000 + i, H: 750, Side: side,
		CardWidth: 0.62 + 0.15*r.Float64(), CX: 0.42 + 0.16*r.Float64(), CY: 0.42 + 0.16*r.Float64(),
		Angle: -6 + 12*r.Float64(), Background: r.IntN(5), Noise: 0.8, Quality: 88})
	if err != nil {
		b.Fatal(err)
	}
	return data
}
