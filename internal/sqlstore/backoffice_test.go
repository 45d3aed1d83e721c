package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// TestBackofficeStore: of reviewers claiming one item at once exactly one
// wins; a claim idle past the limit can be taken; proposals keep their
// sealed note; risk with its audit event; due reviews raised once.
func TestBackofficeStore(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.Open(t, engine)
			ctx := context.Background()
			t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			for _, id := range []string{"usr_r1", "usr_r2", "usr_r3", "usr_r4", "usr_c"} {
				if err := db.Accounts().CreateUser(ctx, &identity.User{ID: id, Email: id + "@example.com", Role: identity.RoleReviewer, CreatedAt: t0}, "h", nil); err != nil {
					t.Fatal(err)
				}
			}
			b := db.Backoffice()
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, lost := 0, 0
			for _, r := range []string{"usr_r1", "usr_r2", "usr_r3", "usr_r4"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := b.Claim(ctx, "manual_review:ver_1", r, t0, t0.Add(-review.ClaimIdle))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errs.As(err).Code == "ITEM_CLAIMED":
						lost++
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if won != 1 || lost != 3 {
				t.Fatalf("claims: %d won, %d lost", won, lost)
			}
			claims, err := b.Claims(ctx, t0.Add(-review.ClaimIdle))
			if err != nil || len(claims) != 1 {
				t.Fatalf("claims: %v %v", claims, err)
			}
			holder := claims["manual_review:ver_1"].ReviewerID
			other := "usr_r1"
			if holder == other {
				other = "usr_r2"
			}
			// 31 minutes later, idle: another reviewer takes it.
			later := t0.Add(31 * time.Minute)
			if c, err := b.Claim(ctx, "manual_review:ver_1", other, later, later.Add(-review.ClaimIdle)); err != nil || c.ReviewerID != other {
				t.Fatalf("stale claim not taken: %v %v", c, err)
			}
			if err := b.Release(ctx, "manual_review:ver_1", holder); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("the former holder released: %v", err)
			}
			if err := b.Release(ctx, "manual_review:ver_1", other); err != nil {
				t.Fatal(err)
			}

			p := review.Proposal{CaseID: "ver_1", ProposerID: "usr_r1", Status: "rejected", Reasons: []string{"DUPLICATE_IDENTITY"},
				Comment: "客户可见", Note: "内部备注", CreatedAt: t0}
			if err := b.Propose(ctx, p, &audit.Event{At: t0, Actor: "user:usr_r1", Action: "case.review.propose", Subject: "ver_1"}); err != nil {
				t.Fatal(err)
			}
			got, err := b.Proposal(ctx, "ver_1")
			if err != nil || got.Note != "内部备注" || got.Comment != "客户可见" || got.Reasons[0] != "DUPLICATE_IDENTITY" {
				t.Fatalf("proposal: %+v %v", got, err)
			}
			var raw string
			if err := db.QueryRowContext(ctx, `SELECT note FROM pending_decisions WHERE case_id = 'ver_1'`).Scan(&raw); err != nil || raw == "内部备注" {
				t.Fatalf("the note is stored in clear: %q %v", raw, err)
			}
			if err := b.DropProposal(ctx, "ver_1"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Proposal(ctx, "ver_1"); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("dropped proposal: %v", err)
			}

			r := review.Risk{UserID: "usr_c", CaseID: "ver_1", Level: "high", Reasons: []string{"HIGH_RISK_COUNTRY:PRK"}, NextReviewAt: t0.AddDate(1, 0, 0), UpdatedAt: t0}
			if err := b.SetRisk(ctx, r, &audit.Event{At: t0, Actor: "system", Action: "risk.set", Subject: "usr_c"}); err != nil {
				t.Fatal(err)
			}
			if due, err := b.RaiseDueReviews(ctx, t0.AddDate(0, 11, 0)); err != nil || len(due) != 0 {
				t.Fatalf("raised early: %v %v", due, err)
			}
			due, err := b.RaiseDueReviews(ctx, t0.AddDate(1, 0, 1))
			if err != nil || len(due) != 1 || due[0].UserID != "usr_c" {
				t.Fatalf("due: %v %v", due, err)
			}
			if again, err := b.RaiseDueReviews(ctx, t0.AddDate(1, 0, 2)); err != nil || len(again) != 0 {
				t.Fatalf("raised twice: %v %v", again, err)
			}
			list, err := b.DueReviews(ctx, t0)
			if err != nil || len(list) != 1 || list[0].DueAt == nil {
				t.Fatalf("due list: %v %v", list, err)
			}
			evs, _ := db.Audit().Events(ctx, 0, 100)
			actions := map[string]bool{}
			for _, e := range evs {
				actions[e.Action] = true
			}
			if !actions["risk.set"] || !actions["risk.review.due"] || !actions["case.review.propose"] {
				t.Fatalf("audit actions: %v", actions)
			}
		})
	}
}

type fakeFreezer struct{ frozen map[string]bool }

func (f *fakeFreezer) Freeze(ctx context.Context, actor, user, reason string) error {
	f.frozen[user] = true
	return nil
}

func (f *fakeFreezer) Unfreeze(ctx context.Context, actor, user, reason string) error {
	f.frozen[user] = false
	return nil
}

// TestUnfreezeFourEyes: a freeze takes effect at once; an unfreeze waits
// for a second reviewer, and its proposer cannot confirm it.
func TestUnfreezeFourEyes(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.Open(t, engine)
			ctx := context.Background()
			for _, id := range []string{"usr_r1", "usr_r2", "usr_c"} {
				if err := db.Accounts().CreateUser(ctx, &identity.User{ID: id, Email: id + "@example.com", Role: identity.RoleReviewer, CreatedAt: time.Now()}, "h", nil); err != nil {
					t.Fatal(err)
				}
			}
			f := &fakeFreezer{frozen: map[string]bool{}}
			s := &review.Service{Store: db.Backoffice(), Audit: db.Audit(), Freeze: f}
			if _, err := s.WalletAction(ctx, "usr_r1", "usr_c", "freeze", "x"); errs.As(err).Code != "REASON_REQUIRED" {
				t.Fatalf("freeze without a reason: %v", err)
			}
			if o, err := s.WalletAction(ctx, "usr_r1", "usr_c", "freeze", "AML alert 42"); err != nil || o.Waiting || !f.frozen["usr_c"] {
				t.Fatalf("freeze: %+v %v", o, err)
			}
			if o, err := s.WalletAction(ctx, "usr_r1", "usr_c", "unfreeze", "cleared"); err != nil || !o.Waiting || !f.frozen["usr_c"] {
				t.Fatalf("unfreeze proposal: %+v %v", o, err)
			}
			if _, err := s.WalletAction(ctx, "usr_r1", "usr_c", "unfreeze", "cleared"); errs.As(err).Code != "FOUR_EYES_SAME_REVIEWER" || !f.frozen["usr_c"] {
				t.Fatalf("the proposer confirmed: %v", err)
			}
			if o, err := s.WalletAction(ctx, "usr_r2", "usr_c", "unfreeze", "agreed"); err != nil || o.Waiting || f.frozen["usr_c"] {
				t.Fatalf("second reviewer: %+v %v", o, err)
			}
			if _, err := db.Backoffice().Proposal(ctx, "wallet:usr_c"); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("proposal left behind: %v", err)
			}
		})
	}
}
