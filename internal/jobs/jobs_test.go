package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// caseStore is just enough of a verification.Store for the worker: one
// case, whose decision is saved on its version, as the SQL store does.
type caseStore struct {
	verification.Store
	mu      sync.Mutex
	c       verification.Case
	saves   int
	onSave  func() // runs before the save (another run racing)
	decided verification.Status
}

func (s *caseStore) Case(ctx context.Context, id string) (*verification.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.c
	return &c, nil
}

func (s *caseStore) SetStatus(ctx context.Context, id string, version int, ev verification.CaseEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c.Version != version || s.c.Status != ev.From {
		return errs.New(errs.Conflict, "CASE_CHANGED", "changed", "已变化")
	}
	s.c.Status, s.c.Version = ev.To, s.c.Version+1
	return nil
}

func (s *caseStore) SaveDecision(ctx context.Context, c *verification.Case, checks []verification.CheckResult, d verification.Decision, ev verification.CaseEvent) error {
	if s.onSave != nil {
		s.onSave()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c.Version != c.Version {
		return errs.New(errs.Conflict, "CASE_CHANGED", "changed", "已变化")
	}
	s.c.Status, s.c.Version = d.Status, s.c.Version+1
	s.saves++
	return nil
}

func newWorker(st *caseStore) (*verifyWorker, *Queue) {
	q := &Queue{log: slog.New(slog.NewTextHandler(io.Discard, nil)), timeout: DefaultJobTimeout,
		Verification: &verification.Service{Store: st, Levels: verification.DefaultLevels()}}
	q.Register(prometheus.NewRegistry())
	return &verifyWorker{q: q}, q
}

func job(attempt int) *river.Job[VerifyArgs] {
	return &river.Job[VerifyArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: verifyAttempts + 1}, Args: VerifyArgs{CaseID: "ver_1"}}
}

// TestVerifyRunTwice: a job run again after its decision was saved (its
// server died before River marked it done) changes nothing and counts
// nothing; a run that loses the race to another one ends quietly.
func TestVerifyRunTwice(t *testing.T) {
	at := time.Now()
	st := &caseStore{c: verification.Case{ID: "ver_1", UserID: "usr_1", Level: verification.LevelBasic,
		Status: verification.StatusSubmitted, Version: 3, SubmittedAt: &at}}
	w, q := newWorker(st)
	if err := w.Work(context.Background(), job(1)); err != nil {
		t.Fatal(err)
	}
	if st.saves != 1 || total(q.metrics.decisions) != 1 {
		t.Fatalf("first run: %d saves, %v decisions counted", st.saves, total(q.metrics.decisions))
	}
	// Rescued after the decision was saved.
	if err := w.Work(context.Background(), job(2)); err != nil {
		t.Fatal(err)
	}
	if st.saves != 1 || total(q.metrics.decisions) != 1 {
		t.Fatalf("second run: %d saves, %v decisions counted", st.saves, total(q.metrics.decisions))
	}

	// Two runs at once: another run decides while this one reads.
	st2 := &caseStore{c: verification.Case{ID: "ver_1", UserID: "usr_1", Level: verification.LevelBasic,
		Status: verification.StatusProcessing, Version: 3, SubmittedAt: &at}}
	st2.onSave = func() {
		st2.onSave = nil
		st2.mu.Lock()
		st2.c.Status, st2.c.Version = verification.StatusApproved, st2.c.Version+1
		st2.mu.Unlock()
	}
	w2, q2 := newWorker(st2)
	if err := w2.Work(context.Background(), job(1)); err != nil {
		t.Fatalf("the run that lost: %v", err)
	}
	if st2.saves != 0 || total(q2.metrics.decisions) != 0 || total(q2.metrics.failures) != 0 {
		t.Fatalf("lost run: %d saves, %v decisions, %v failures", st2.saves, total(q2.metrics.decisions), total(q2.metrics.failures))
	}
}

// TestRescueDefaults: a crashed case is run again within the 2 minutes of
// the issue: the rescue delay, River's rescuer interval (30 s), the
// scheduler (5 s) and a run well inside the job timeout; River requires
// the delay to exceed the timeout.
func TestRescueDefaults(t *testing.T) {
	if DefaultRescueAfter <= DefaultJobTimeout || DefaultRescueAfter+30*time.Second+5*time.Second+time.Second > 90*time.Second {
		t.Fatalf("rescue after %s, timeout %s", DefaultRescueAfter, DefaultJobTimeout)
	}
	if _, err := New(nil, nil, Options{JobTimeout: time.Minute, RescueAfter: time.Minute}); err == nil {
		t.Fatal("a rescue delay not above the timeout accepted")
	}
}

// total sums a collector's counters.
func total(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)
	var n float64
	for m := range ch {
		var d dto.Metric
		_ = m.Write(&d)
		n += d.GetCounter().GetValue()
	}
	return n
}
