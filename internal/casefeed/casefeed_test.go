package casefeed_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/casefeed"
)

func recv(t *testing.T, s *casefeed.Subscription) casefeed.Event {
	t.Helper()
	select {
	case ev := <-s.C:
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event")
	}
	return casefeed.Event{}
}

func TestHubDeliversToTheCaseOnly(t *testing.T) {
	h := casefeed.New(casefeed.Options{})
	a, err := h.Subscribe("ver_a", "u1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Subscribe("ver_b", "u2")
	h.Publish(casefeed.Event{CaseID: "ver_a", Kind: casefeed.KindStatus, Status: "approved"})
	if ev := recv(t, a); ev.Status != "approved" || ev.CaseID != "ver_a" {
		t.Fatalf("got %+v", ev)
	}
	select {
	case ev := <-b.C:
		t.Fatalf("another case's subscriber got %+v", ev)
	default:
	}
	// A sync reaches everyone.
	h.Publish(casefeed.Event{Kind: casefeed.KindSync})
	if recv(t, a).Kind != casefeed.KindSync || recv(t, b).Kind != casefeed.KindSync {
		t.Fatal("sync not delivered to all")
	}
	a.Close()
	a.Close() // idempotent
	if h.Streams() != 1 {
		t.Fatalf("streams %d, want 1", h.Streams())
	}
}

// The per-owner cap holds when many subscribe at once.
func TestHubCapUnderConcurrency(t *testing.T) {
	h := casefeed.New(casefeed.Options{PerOwner: 3, Max: 5})
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := h.Subscribe("ver_a", "u1"); err == nil {
				ok.Add(1)
			} else if errors.Is(err, casefeed.ErrTooManyStreams) {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 3 || refused.Load() != 47 {
		t.Fatalf("ok %d refused %d, want 3 and 47", ok.Load(), refused.Load())
	}
	// Other owners share the process-wide cap of 5.
	for i, want := range []bool{true, true, false} {
		_, err := h.Subscribe("ver_b", "u"+string(rune('2'+i)))
		if (err == nil) != want {
			t.Fatalf("owner %d: err %v", i, err)
		}
	}
}

// A subscriber that does not keep up is dropped; the others are not held up.
func TestHubDropsSlowSubscriber(t *testing.T) {
	h := casefeed.New(casefeed.Options{Buffer: 2})
	slow, _ := h.Subscribe("ver_a", "u1")
	fast, _ := h.Subscribe("ver_a", "u2")
	for i := range 3 {
		h.Publish(casefeed.Event{CaseID: "ver_a", Kind: casefeed.KindStatus, Status: string(rune('a' + i))})
		recv(t, fast)
	}
	select {
	case <-slow.Done:
	case <-time.After(time.Second):
		t.Fatal("slow subscriber not dropped")
	}
	select {
	case <-fast.Done:
		t.Fatal("fast subscriber dropped")
	default:
	}
	if h.Streams() != 1 {
		t.Fatalf("streams %d", h.Streams())
	}
	slow.Close() // after being dropped: no double count
	if h.Streams() != 1 {
		t.Fatalf("streams %d after closing a dropped one", h.Streams())
	}
}

func TestHubClose(t *testing.T) {
	h := casefeed.New(casefeed.Options{})
	s, _ := h.Subscribe("ver_a", "u1")
	h.Close()
	select {
	case <-s.Done:
	case <-time.After(time.Second):
		t.Fatal("stream not ended by Close")
	}
	if _, err := h.Subscribe("ver_a", "u1"); !errors.Is(err, casefeed.ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
}

// failing fails its first runs, then delivers one event and waits.
type failing struct{ runs atomic.Int64 }

func (f *failing) Run(ctx context.Context, publish func(casefeed.Event)) error {
	if f.runs.Add(1) < 3 {
		return errors.New("connection refused")
	}
	publish(casefeed.Event{CaseID: "ver_a", Kind: casefeed.KindStatus, Status: "approved"})
	<-ctx.Done()
	return nil
}

// Run restarts a source that fails.
func TestHubRestartsSource(t *testing.T) {
	h := casefeed.New(casefeed.Options{})
	s, _ := h.Subscribe("ver_a", "u1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	src := &failing{}
	go func() { h.Run(ctx, src); close(done) }()
	if ev := recv(t, s); ev.Status != "approved" {
		t.Fatalf("got %+v", ev)
	}
	cancel()
	<-done
	if src.runs.Load() != 3 {
		t.Fatalf("runs %d", src.runs.Load())
	}
}
