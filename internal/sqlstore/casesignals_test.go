package sqlstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/casefeed"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Two replicas on one database (two pools; on SQLite two *sql.DB on one
// file): a decision committed through one reaches a subscriber of the
// other's hub, and a rolled-back change reaches nobody.
func TestCaseSignalsAcrossReplicas(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := sqltest.DSN(t, engine)
			open := func() *sqlstore.DB {
				db, err := sqlstore.Open(ctx, dsn, sqltest.Keyring(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			one, two := open(), open()
			if err := one.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
			hub := casefeed.New(casefeed.Options{})
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { hub.Run(rctx, two.CaseSignals()); close(done) }()
			t.Cleanup(func() { cancel(); <-done })

			cfg := identity.DefaultConfig
			cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
			u, err := identity.NewService(one.Accounts(), cfg, nil, nil).Register(ctx, identity.RegisterInput{
				Email: "replica@example.com", Password: "long enough pass", AcceptTermsVersion: cfg.TermsVersion})
			if err != nil {
				t.Fatal(err)
			}
			cases := one.Cases(nil)
			now := time.Now().UTC()
			c, err := cases.CreateCase(ctx, &verification.Case{ID: "ver_replica1", UserID: u.ID, Level: "standard",
				Status: verification.StatusProcessing, Documents: map[string]string{}, Version: 1, CreatedAt: now, UpdatedAt: now}, "")
			if err != nil {
				t.Fatal(err)
			}
			sub, err := hub.Subscribe(c.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			other, _ := hub.Subscribe("ver_someone_else", u.ID)

			// Until replica two listens, a change may pass unheard: touch the
			// case until one is heard (on SQLite the first one is).
			heard := false
			for i := 0; i < 100 && !heard; i++ {
				c.UpdatedAt = time.Now().UTC()
				if err := cases.UpdateCase(ctx, c); err != nil {
					t.Fatal(err)
				}
				c.Version++
				select {
				case ev := <-sub.C:
					heard = ev.Kind == casefeed.KindUpdated && ev.CaseID == c.ID && ev.Status == string(verification.StatusProcessing)
				case <-time.After(100 * time.Millisecond):
				}
			}
			if !heard {
				t.Fatal("replica two never heard an update")
			}
			for len(sub.C) > 0 {
				<-sub.C
			}

			// A change that rolls back is never announced.
			c.Version += 10
			if err := cases.UpdateCase(ctx, c); err == nil {
				t.Fatal("a stale version was saved")
			}
			c.Version -= 10

			d := verification.Decision{Status: verification.StatusApproved}
			start := time.Now()
			if err := cases.SaveDecision(ctx, c, nil, d, verification.CaseEvent{From: verification.StatusProcessing,
				To: verification.StatusApproved, Actor: "system", At: start}); err != nil {
				t.Fatal(err)
			}
			var ev casefeed.Event
			select {
			case ev = <-sub.C:
			case <-time.After(5 * time.Second):
				t.Fatal("the decision did not reach replica two")
			}
			took := time.Since(start)
			if ev.Kind != casefeed.KindStatus || ev.Status != string(verification.StatusApproved) || ev.CaseID != c.ID ||
				!ev.UpdatedAt.Equal(start.UTC().Truncate(time.Microsecond)) {
				t.Fatalf("event %+v", ev)
			}
			at, err := two.SignalTime(ctx, c.ID, string(verification.StatusApproved))
			if err != nil || !at.Equal(ev.At) {
				t.Fatalf("signal time %v (%v), event %v", at, err, ev.At)
			}
			select {
			case e := <-sub.C:
				t.Fatalf("an extra event %+v (the rolled-back change?)", e)
			case e := <-other.C:
				t.Fatalf("another case's subscriber got %+v", e)
			case <-time.After(200 * time.Millisecond):
			}
			t.Logf("%s: commit to replica two's subscriber in %v", engine, took)
		})
	}
}

// A PostgreSQL listener whose connection dies comes back by itself, tells
// every page to fetch again (a sync event: what was committed meanwhile
// was not heard), and hears the next decision.
func TestCaseSignalsListenerReconnects(t *testing.T) {
	if os.Getenv("VERIWALLET_TEST_POSTGRES_URL") == "" {
		t.Skip("VERIWALLET_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	db := sqltest.Open(t, sqlstore.Postgres)
	hub := casefeed.New(casefeed.Options{})
	src := db.CaseSignals()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { hub.Run(rctx, src); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	sub, _ := hub.Subscribe("ver_any", "u1")
	deadline := time.Now().Add(10 * time.Second)
	for src.ListenerPID() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no listener")
		}
		time.Sleep(10 * time.Millisecond)
	}
	old := src.ListenerPID()
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, int64(old)); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C:
		if ev.Kind != casefeed.KindSync {
			t.Fatalf("got %+v, want a sync", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no sync after the listener was killed")
	}
	if p := src.ListenerPID(); p == 0 || p == old {
		t.Fatalf("listener pid %d (was %d)", p, old)
	}
	// And it hears again: a signal written in a transaction of its own.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify('veriwallet_case_signals', '{"c":"ver_any","k":"status","s":"approved","t":1}')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C:
		if ev.Status != "approved" || ev.CaseID != "ver_any" {
			t.Fatalf("got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing heard after the reconnect")
	}
}
