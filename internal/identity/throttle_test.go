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
	failures map[string][]time.Time
	user     *User
	hash     string
}

func (m *memStore) UserByLogin(ctx context.Context, k LoginKind, v string) (*User, string, error) {
	return m.user, m.hash, nil
}
func (m *memStore) CreateSession(ctx context.Context, s *Session, h []byte) error { return nil }
func (m *memStore) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, oldest := 0, time.Time{}
	for _, t := range m.failures[key] {
		if t.After(since) {
			if n == 0 || t.Before(oldest) {
				oldest = t
			}
			n++
		}
	}
	return n, oldest, nil
}
func (m *memStore) AddLoginFailure(ctx context.Context, keys []string, at, before time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		m.failures[k] = append(m.failures[k], at)
	}
	return nil
}
func (m *memStore) RemoveLoginFailure(ctx context.Context, key string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keep []time.Time
	for _, t := range m.failures[key] {
		if !t.Equal(at) {
			keep = append(keep, t)
		}
	}
	m.failures[key] = keep
	return nil
}
func (m *memStore) ClearLoginFailures(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, key)
	return nil
}

// TestThrottleByAddress: a stranger hammering an account from one address
// is stopped after 5 tries, and does not lock the owner out elsewhere;
// from everywhere together the account stops after 50.
func TestThrottleByAddress(t *testing.T) {
	cfg := DefaultConfig
	cfg.Argon2 = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	st := &memStore{failures: map[string][]time.Time{}, user: &User{ID: "usr_1", Email: "o@example.com"}}
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
