package notice

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// memStore keeps windows in memory (the SQL store has its own test through
// the API on both engines); it counts reads to show the cache.
type memStore struct {
	Store
	mu       sync.Mutex
	windows  []Window
	reads    int
	released []string
}

func (m *memStore) SaveWindow(ctx context.Context, w *Window) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.windows {
		if m.windows[i].ID == w.ID {
			m.windows[i] = *w
			return nil
		}
	}
	m.windows = append(m.windows, *w)
	return nil
}

func (m *memStore) Windows(ctx context.Context, after time.Time) ([]Window, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	var out []Window
	for _, w := range m.windows {
		if w.EndsAt.After(after) {
			out = append(out, w)
		}
	}
	return out, nil
}

func (m *memStore) EndedUnreleased(ctx context.Context, t time.Time) ([]Window, error) {
	var out []Window
	for _, w := range m.windows {
		if !w.EndsAt.After(t) && !w.Released {
			out = append(out, w)
		}
	}
	return out, nil
}

func (m *memStore) MarkReleased(ctx context.Context, id string) error {
	m.released = append(m.released, id)
	for i := range m.windows {
		if m.windows[i].ID == id {
			m.windows[i].Released = true
		}
	}
	return nil
}

type countRelease struct{ n int }

func (c *countRelease) ReleaseHeld(ctx context.Context, at time.Time) (int, error) {
	c.n++
	return 3, nil
}

func TestWindowsAndRelease(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	st := &memStore{}
	s := &Service{Store: st, Now: func() time.Time { return now }}
	if _, err := s.Schedule(ctx, now, now.Add(-time.Minute), Text{}); errs.As(err).Code != "TIME_RANGE_INVALID" {
		t.Fatalf("end before start: %v", err)
	}
	if _, err := s.Schedule(ctx, now.Add(time.Hour), now.Add(2*time.Hour), Text{EN: "only English"}); errs.As(err).Code != "FIELD_REQUIRED" {
		t.Fatalf("one language: %v", err)
	}
	w, err := s.Schedule(ctx, now.Add(time.Hour), now.Add(2*time.Hour), Text{})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Active(ctx); a != nil {
		t.Fatalf("upcoming window active: %+v", a)
	}
	// Within the cache time the store is not read again.
	reads := st.reads
	s.Active(ctx)
	if st.reads != reads {
		t.Fatalf("cache not used: %d reads", st.reads-reads)
	}
	rel := &countRelease{}
	now = now.Add(90 * time.Minute)
	if a, _ := s.Active(ctx); a == nil || a.ID != w.ID {
		t.Fatalf("window not active: %+v", a)
	}
	if until, held := s.Held(ctx); !held || !until.Equal(w.EndsAt) {
		t.Fatalf("held: %v %v", until, held)
	}
	if n, _ := s.ReleaseEnded(ctx, rel); n != 0 || rel.n != 0 {
		t.Fatal("released during the window")
	}
	// The wallet's writes: 503 with the time left; reads pass.
	h := WalletWrites(s, func(w http.ResponseWriter, r *http.Request, err error) {
		e := errs.As(err)
		w.Header().Set("Retry-After", e.RetryAfter.String())
		w.WriteHeader(http.StatusServiceUnavailable)
	}, func() time.Time { return now })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/wallet/transfers", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "30m0s" {
		t.Fatalf("write: %d %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/wallet/balance", nil))
	if rec.Code != 200 {
		t.Fatalf("read: %d", rec.Code)
	}
	if n, err := s.Stop(ctx); err != nil || n != 1 {
		t.Fatalf("stop: %d %v", n, err)
	}
	if n, err := s.ReleaseEnded(ctx, rel); err != nil || n != 3 || rel.n != 1 || len(st.released) != 1 {
		t.Fatalf("release: %d %v %d %v", n, err, rel.n, st.released)
	}
	if n, _ := s.ReleaseEnded(ctx, rel); n != 0 || rel.n != 1 {
		t.Fatal("released twice")
	}
	if _, err := s.Stop(ctx); errs.As(err).Code != "NO_MAINTENANCE" {
		t.Fatalf("stop without a window: %v", err)
	}
}
