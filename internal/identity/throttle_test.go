package identity

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// memStore is just enough of a Store for the throttling rules.
type memStore struct {
	Store
	mu       sync.Mutex
	failures map[string][]memRow
	user     *User
	hash     string
}

func (m *memStore) UserByLogin(ctx context.Context, k LoginKind, v string) (*User, string, error) {
	return m.user, m.hash, nil
}
func (m *memStore) CreateSession(ctx context.Context, s *Session, h []byte) error { return nil }

type memRow struct {
	at      time.Time
	attempt string
}

func (m *memStore) BeginLogin(ctx context.Context, id string, limits []LoginLimit, at, before, since, pendingSince time.Time) (LoginCheck, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var chk LoginCheck
	for _, l := range limits {
		if l.Max <= 0 {
			continue
		}
		failures, pending := 0, 0
		for _, r := range m.failures[l.Key] {
			switch {
			case !r.at.After(since):
			case r.attempt == "":
				if failures == 0 || r.at.Before(chk.Oldest) {
					chk.Oldest = r.at
				}
				failures++
			case r.at.After(pendingSince):
				pending++
			}
		}
		if failures >= l.Max {
			chk.Throttled = l.Key
			return chk, nil
		}
		if failures+pending >= l.Max {
			chk.Busy = true
		}
	}
	if chk.Busy {
		return LoginCheck{Busy: true}, nil
	}
	for _, l := range limits {
		m.failures[l.Key] = append(m.failures[l.Key], memRow{at, id})
	}
	return LoginCheck{}, nil
}

func (m *memStore) EndLogin(ctx context.Context, id string, failed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, rows := range m.failures {
		var keep []memRow
		for _, r := range rows {
			if r.attempt == id {
				if !failed {
					continue
				}
				r.attempt = ""
			}
			keep = append(keep, r)
		}
		m.failures[k] = keep
	}
	return nil
}

func (m *memStore) ClearLoginFailures(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keep []memRow
	for _, r := range m.failures[key] {
		if r.attempt != "" {
			keep = append(keep, r)
		}
	}
	m.failures[key] = keep
	return nil
}

// TestThrottleByAddress: a stranger hammering an account from one address
// is stopped after 5 tries, and does not lock the owner out elsewhere;
// from everywhere together the account stops after 50.
func TestThrottleByAddress(t *testing.T) {
	cfg := DefaultConfig
	cfg.Argon2 = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	st := &memStore{failures: map[string][]memRow{}, user: &User{ID: "usr_1", Email: "o@example.com"}}
	st.hash = HashPassword("the owner's pass", []byte("0123456789abcdef"), cfg.Argon2)
	clock := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	svc := NewService(st, cfg, func() time.Time { clock = clock.Add(time.Millisecond); return clock }, nil)
	try := func(ip, pw string) error {
		_, _, _, err := svc.Login(context.Background(), LoginInput{Email: "o@example.com", Password: pw, ClientIP: ip})
		return err
	}
	for i := range 5 {
		if err := try("198.51.100.1", "guess"); !errs.Is(err, "INVALID_CREDENTIALS") {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if err := try("198.51.100.1", "guess"); !errs.Is(err, "LOGIN_THROTTLED") {
		t.Fatalf("6th try from the same address: %v", err)
	}
	if err := try("203.0.113.5", "the owner's pass"); err != nil {
		t.Fatalf("owner locked out from another address: %v", err)
	}
	// Spread over many addresses the account still stops, at 10×.
	for i := range 50 {
		ip := "192.0.2." + string(rune('0'+i%10)) + string(rune('0'+i/10))
		if err := try(ip, "guess"); errs.Is(err, "LOGIN_THROTTLED") {
			if i < 44 {
				t.Fatalf("throttled too early at %d", i)
			}
			return
		}
	}
	t.Fatal("distributed guessing never throttled")
}
