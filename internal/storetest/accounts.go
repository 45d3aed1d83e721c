// Package storetest is the behaviour suite every Store implementation must
// pass; the SQL adapter runs it against SQLite and PostgreSQL.
package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// Accounts runs the identity.Store suite on stores made by newStore (each
// call a fresh, empty store).
func Accounts(t *testing.T, newStore func(t *testing.T) identity.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)

	t.Run("create and find", func(t *testing.T) {
		s := newStore(t)
		u := &identity.User{ID: "usr_a", Email: "a@example.com", Role: identity.RoleCustomer, CreatedAt: t0}
		consents := []identity.Consent{{Document: "privacy", Version: "v1", AcceptedAt: t0}, {Document: "terms", Version: "v1", AcceptedAt: t0}}
		if err := s.CreateUser(ctx, u, "hash-a", consents); err != nil {
			t.Fatal(err)
		}
		got, hash, err := s.UserByLogin(ctx, identity.ByEmail, "a@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if hash != "hash-a" || got.ID != "usr_a" || got.Email != "a@example.com" || got.Role != identity.RoleCustomer || !got.CreatedAt.Equal(t0) {
			t.Fatalf("got %+v %q", got, hash)
		}
		if _, _, err := s.UserByLogin(ctx, identity.ByEmail, "b@example.com"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("unknown email: %v", err)
		}
		if _, _, err := s.UserByLogin(ctx, identity.ByPhone, "a@example.com"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("email looked up as phone: %v", err)
		}
		cs, err := s.Consents(ctx, "usr_a")
		if err != nil || len(cs) != 2 || cs[0].Document != "privacy" || cs[1].Version != "v1" || !cs[1].AcceptedAt.Equal(t0) {
			t.Fatalf("consents %+v %v", cs, err)
		}
		// A later consent is added; the same one again keeps its first time.
		for _, at := range []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour)} {
			if err := s.AddConsent(ctx, "usr_a", identity.Consent{Document: identity.ConsentSensitive, Version: "v1", AcceptedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		cs, err = s.Consents(ctx, "usr_a")
		if err != nil || len(cs) != 3 || cs[2].Document != identity.ConsentSensitive || !cs[2].AcceptedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("consents after AddConsent %+v %v", cs, err)
		}
		if err := s.AddConsent(ctx, "usr_nope", identity.Consent{Document: identity.ConsentSensitive, Version: "v1", AcceptedAt: t0}); !errs.Is(err, "USER_NOT_FOUND") {
			t.Fatalf("consent of an unknown user: %v", err)
		}
		p := &identity.User{ID: "usr_p", Phone: "+8613800138000", Role: identity.RoleAdmin, CreatedAt: t0}
		if err := s.CreateUser(ctx, p, "hash-p", nil); err != nil {
			t.Fatal(err)
		}
		got, err = s.UserByID(ctx, "usr_p")
		if err != nil || got.Phone != "+8613800138000" || got.Email != "" || got.Role != identity.RoleAdmin {
			t.Fatalf("by id %+v %v", got, err)
		}
		if _, err := s.UserByID(ctx, "usr_nope"); !errs.Is(err, "USER_NOT_FOUND") {
			t.Fatalf("unknown id: %v", err)
		}
		if err := s.SetPassword(ctx, "usr_p", "hash-p2"); err != nil {
			t.Fatal(err)
		}
		if _, h, _ := s.UserByLogin(ctx, identity.ByPhone, "+8613800138000"); h != "hash-p2" {
			t.Fatalf("password not changed: %q", h)
		}
		if err := s.SetPassword(ctx, "usr_nope", "x"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("set password unknown: %v", err)
		}
	})

	t.Run("duplicates", func(t *testing.T) {
		s := newStore(t)
		mk := func(id, email, phone string) error {
			return s.CreateUser(ctx, &identity.User{ID: id, Email: email, Phone: phone, Role: identity.RoleCustomer, CreatedAt: t0}, "h", nil)
		}
		if err := mk("usr_1", "x@example.com", ""); err != nil {
			t.Fatal(err)
		}
		if err := mk("usr_2", "x@example.com", ""); !errs.Is(err, "EMAIL_TAKEN") {
			t.Fatalf("dup email: %v", err)
		}
		if err := mk("usr_3", "", "+8613900139000"); err != nil {
			t.Fatal(err)
		}
		if err := mk("usr_4", "", "+8613900139000"); !errs.Is(err, "PHONE_TAKEN") {
			t.Fatalf("dup phone: %v", err)
		}
		// Concurrent registrations of one address: exactly one wins.
		var wg sync.WaitGroup
		results := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = mk("usr_c"+string(rune('a'+i)), "race@example.com", "")
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case errs.Is(err, "EMAIL_TAKEN"):
			default:
				t.Errorf("concurrent register: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent registrations won, want 1", won)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"usr_a", "usr_b"} {
			if err := s.CreateUser(ctx, &identity.User{ID: id, Email: id + "@example.com", Role: identity.RoleCustomer, CreatedAt: t0}, "h", nil); err != nil {
				t.Fatal(err)
			}
		}
		mk := func(id, user string, created time.Time, tok string) {
			err := s.CreateSession(ctx, &identity.Session{ID: id, UserID: user, Kind: identity.SessionAPI, UserAgent: "curl",
				CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(time.Hour)}, identity.TokenHash(tok))
			if err != nil {
				t.Fatal(err)
			}
		}
		mk("ses_1", "usr_a", t0, "tok1")
		mk("ses_2", "usr_a", t0.Add(time.Minute), "tok2")
		mk("ses_3", "usr_b", t0, "tok3")
		sess, u, err := s.SessionByToken(ctx, identity.TokenHash("tok2"))
		if err != nil || sess.ID != "ses_2" || u.ID != "usr_a" || !sess.ExpiresAt.Equal(t0.Add(time.Minute+time.Hour)) {
			t.Fatalf("by token: %+v %+v %v", sess, u, err)
		}
		if _, _, err := s.SessionByToken(ctx, identity.TokenHash("nope")); !errs.Is(err, "SESSION_NOT_FOUND") {
			t.Fatalf("unknown token: %v", err)
		}
		list, err := s.ListSessions(ctx, "usr_a", t0)
		if err != nil || len(list) != 2 || list[0].ID != "ses_2" {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list, _ := s.ListSessions(ctx, "usr_a", t0.Add(time.Hour+30*time.Second)); len(list) != 1 {
			t.Fatalf("expired session listed: %+v", list)
		}
		if err := s.TouchSession(ctx, "ses_1", t0.Add(2*time.Hour), t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if sess, _, _ := s.SessionByToken(ctx, identity.TokenHash("tok1")); !sess.ExpiresAt.Equal(t0.Add(3 * time.Hour)) {
			t.Fatalf("touch: %+v", sess)
		}
		// Another user's session cannot be revoked, and says not found.
		if err := s.RevokeSession(ctx, "usr_b", "ses_1", t0); !errs.Is(err, "SESSION_NOT_FOUND") {
			t.Fatalf("revoke other's: %v", err)
		}
		if err := s.RevokeSession(ctx, "usr_a", "ses_1", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, "usr_a", "ses_1", t0); !errs.Is(err, "SESSION_NOT_FOUND") {
			t.Fatalf("revoke twice: %v", err)
		}
		if _, _, err := s.SessionByToken(ctx, identity.TokenHash("tok1")); !errs.Is(err, "SESSION_NOT_FOUND") {
			t.Fatalf("revoked session still valid: %v", err)
		}
	})

	t.Run("login failures", func(t *testing.T) {
		s := newStore(t)
		limits := []identity.LoginLimit{{Key: "acct:x", Max: 3}, {Key: "ip:1", Max: 0}}
		begin := func(id string, at time.Time) identity.LoginCheck {
			t.Helper()
			chk, err := s.BeginLogin(ctx, id, limits, at, at.Add(-time.Hour), at.Add(-time.Hour), at.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return chk
		}
		// Three attempts in progress take every try: a fourth is Busy, not throttled.
		for _, id := range []string{"a1", "a2", "a3"} {
			if chk := begin(id, t0); chk != (identity.LoginCheck{}) {
				t.Fatalf("%s: %+v", id, chk)
			}
		}
		if chk := begin("a4", t0); !chk.Busy || chk.Throttled != "" {
			t.Fatalf("fourth while three in progress: %+v", chk)
		}
		// A success is forgotten; a failure counts.
		if err := s.EndLogin(ctx, "a1", false); err != nil {
			t.Fatal(err)
		}
		s.EndLogin(ctx, "a2", true)
		s.EndLogin(ctx, "a3", true)
		if chk := begin("a5", t0.Add(time.Minute)); chk != (identity.LoginCheck{}) {
			t.Fatalf("after 2 failures: %+v", chk)
		}
		s.EndLogin(ctx, "a5", true)
		chk := begin("a6", t0.Add(3*time.Minute))
		if chk.Throttled != "acct:x" || !chk.Oldest.Equal(t0) {
			t.Fatalf("after 3 failures: %+v", chk)
		}
		// Attempts in progress whose server died stop counting after pendingSince.
		if err := s.ClearLoginFailures(ctx, "acct:x"); err != nil {
			t.Fatal(err)
		}
		begin("b1", t0.Add(4*time.Minute))
		begin("b2", t0.Add(4*time.Minute))
		begin("b3", t0.Add(4*time.Minute))
		if chk := begin("b4", t0.Add(4*time.Minute)); !chk.Busy {
			t.Fatalf("fourth while three in progress: %+v", chk)
		}
		if chk := begin("b5", t0.Add(6*time.Minute)); chk.Busy || chk.Throttled != "" {
			t.Fatalf("stale attempts still count: %+v", chk)
		}
	})

	t.Run("registration attempts", func(t *testing.T) {
		s := newStore(t)
		for i := range 3 {
			ok, _, err := s.TakeRegistration(ctx, "ip:9", 3, t0.Add(time.Duration(i)*time.Minute), t0.Add(-time.Hour))
			if err != nil || !ok {
				t.Fatalf("attempt %d: %v %v", i, ok, err)
			}
		}
		ok, oldest, err := s.TakeRegistration(ctx, "ip:9", 3, t0.Add(5*time.Minute), t0.Add(5*time.Minute-time.Hour))
		if err != nil || ok || !oldest.Equal(t0) {
			t.Fatalf("fourth: %v %v %v", ok, oldest, err)
		}
		if ok, _, _ := s.TakeRegistration(ctx, "ip:8", 3, t0, t0.Add(-time.Hour)); !ok {
			t.Fatal("another address refused")
		}
		if ok, _, _ := s.TakeRegistration(ctx, "ip:9", 3, t0.Add(61*time.Minute), t0.Add(time.Minute)); !ok {
			t.Fatal("not allowed again after an hour")
		}
	})

	t.Run("email stored encrypted", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreateUser(ctx, &identity.User{ID: "usr_e", Email: "secret.person@example.com", Role: identity.RoleCustomer, CreatedAt: t0}, "h", nil); err != nil {
			t.Fatal(err)
		}
		if r, ok := s.(interface{ RawRow(string) []byte }); ok {
			if bytes.Contains(r.RawRow("usr_e"), []byte("secret.person")) {
				t.Fatal("email stored in plaintext")
			}
		}
	})
}
