package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func addUser(t testing.TB, db *sqlstore.DB, id string) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO users (id, email_index, password_hash, role, created_at) VALUES ($1, $2, 'x', 'customer', $3)`,
		id, []byte(id), time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
}

type fixedPolicy struct{ p ledger.Policy }

func (f fixedPolicy) Policy(context.Context, string) (ledger.Policy, error) { return f.p, nil }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newWallet(t *testing.T, engine string) (*ledger.Service, *sqlstore.DB, *clock) {
	db := sqltest.Open(t, engine)
	s := ledger.NewService(db.Ledger(nil), ledger.Config{})
	c := &clock{t: time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	t.Cleanup(s.Close)
	for _, u := range []string{"usr_a", "usr_b", "usr_c"} {
		addUser(t, db, u)
	}
	return s, db, c
}

func deposit(t *testing.T, s *ledger.Service, user, amount, ref string) *ledger.Result {
	t.Helper()
	r, err := s.Deposit(context.Background(), ledger.DepositInput{UserID: user, Asset: "CNY", Amount: amount, Reference: ref, Actor: "admin:usr_x"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func balance(t *testing.T, s *ledger.Service, user string) ledger.Balance {
	t.Helper()
	bs, err := s.Balances(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Asset == "CNY" {
			return b
		}
	}
	return ledger.Balance{Asset: "CNY"}
}

func verify(t *testing.T, s *ledger.Service) ledger.VerifyReport {
	t.Helper()
	r, err := s.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

func TestLedgerConcurrentTransfersExactlyFunded(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _, _ := newWallet(t, engine)
			deposit(t, s, "usr_a", "100.00", "bank-1")
			var ok, poor atomic.Int32
			var wg sync.WaitGroup
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Transfer(context.Background(), ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "10",
						IdemKey: fmt.Sprint("k", i)})
					switch {
					case err == nil:
						ok.Add(1)
					case errs.Is(err, "INSUFFICIENT_FUNDS"):
						poor.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 10 || poor.Load() != 90 {
				t.Fatalf("ok=%d insufficient=%d, want 10 and 90", ok.Load(), poor.Load())
			}
			if b := balance(t, s, "usr_a"); b.Balance != 0 {
				t.Fatalf("payer %+v", b)
			}
			if b := balance(t, s, "usr_b"); b.Balance != 10000 {
				t.Fatalf("payee %+v", b)
			}
			if r := verify(t, s); r.Transactions != 11 {
				t.Fatalf("verify %+v", r)
			}
		})
	}
}

func TestLedgerDepositOnceAndUnknownUser(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _, _ := newWallet(t, engine)
			r1 := deposit(t, s, "usr_a", "12.3", "bank-7")
			r2 := deposit(t, s, "usr_a", "12.30", "bank-7")
			if r1.Tx.ID != r2.Tx.ID || !r2.Replayed || len(r2.Tx.Postings) != 2 {
				t.Fatalf("second deposit %+v, first %+v", r2.Tx, r1.Tx)
			}
			if b := balance(t, s, "usr_a"); b.Balance != 1230 {
				t.Fatalf("balance %+v", b)
			}
			_, err := s.Deposit(context.Background(), ledger.DepositInput{UserID: "usr_nobody", Asset: "CNY", Amount: "1", Reference: "r"})
			if !errs.Is(err, "PAYEE_NOT_FOUND") {
				t.Fatalf("deposit to nobody: %v", err)
			}
			_, err = s.Transfer(context.Background(), ledger.TransferInput{From: "usr_a", To: "usr_nobody", Asset: "CNY", Amount: "1"})
			if !errs.Is(err, "PAYEE_NOT_FOUND") {
				t.Fatalf("transfer to nobody: %v", err)
			}
			_, err = s.Deposit(context.Background(), ledger.DepositInput{UserID: "usr_a", Asset: "CNY", Amount: "1.234", Reference: "r"})
			if !errs.Is(err, "AMOUNT_PRECISION") {
				t.Fatalf("precision: %v", err)
			}
			verify(t, s)
			s.Close() // a closed wallet answers, and does not hang
			if _, err := s.Deposit(context.Background(), ledger.DepositInput{UserID: "usr_a", Asset: "CNY", Amount: "1", Reference: "late"}); !errs.Is(err, "WALLET_UNAVAILABLE") {
				t.Fatalf("after close: %v", err)
			}
		})
	}
}

func TestLedgerIdempotency(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, db, _ := newWallet(t, engine)
			ctx := context.Background()
			deposit(t, s, "usr_a", "5", "bank-1")
			in := ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "3", Memo: "rent", IdemKey: "same"}
			r1, err := s.Transfer(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := s.Transfer(ctx, in)
			if err != nil || r2.Tx.ID != r1.Tx.ID || !r2.Replayed {
				t.Fatalf("replay: %v %+v", err, r2)
			}
			changed := in
			changed.Amount = "4"
			if _, err := s.Transfer(ctx, changed); !errs.Is(err, "IDEMPOTENCY_KEY_REUSED") {
				t.Fatalf("changed body: %v", err)
			}
			// A refusal is stored too: the same key replays it even after money arrives.
			big := in
			big.Amount, big.IdemKey = "10", "refused"
			if _, err := s.Transfer(ctx, big); !errs.Is(err, "INSUFFICIENT_FUNDS") {
				t.Fatalf("want insufficient: %v", err)
			}
			deposit(t, s, "usr_a", "100", "bank-2")
			if _, err := s.Transfer(ctx, big); !errs.Is(err, "INSUFFICIENT_FUNDS") {
				t.Fatalf("replayed refusal: %v", err)
			}
			// Concurrent replays of one key: one effect.
			var wg sync.WaitGroup
			ids := make([]string, 20)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_c", Asset: "CNY", Amount: "1", IdemKey: "conc"})
					if err != nil {
						t.Error(err)
						return
					}
					ids[i] = r.Tx.ID
				}()
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("concurrent replays gave %v", ids)
				}
			}
			if b := balance(t, s, "usr_c"); b.Balance != 100 {
				t.Fatalf("payee of concurrent key: %+v", b)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM wallet_idempotency`).Scan(&n); err != nil || n != 3 {
				t.Fatalf("idempotency rows %d %v", n, err)
			}
			verify(t, s)
		})
	}
}

func TestLedgerLimitsUnderConcurrency(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _, clk := newWallet(t, engine)
			s.Policies = fixedPolicy{ledger.Policy{Level: "basic", Rank: 1,
				Send: ledger.Permission{Allowed: true, Next: "standard", Limits: map[string]ledger.Limits{"CNY": {PerTx: 5000, PerDay: 20000, PerMonth: 100000}}}}}
			ctx := context.Background()
			deposit(t, s, "usr_a", "1000", "bank-1")
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "50.01"}); !errs.Is(err, "LIMIT_EXCEEDED") {
				t.Fatalf("per tx: %v", err)
			} else if d := errs.As(err).Err.(*ledger.Detail); d.Window != "per_tx" || d.Level != "standard" || d.Remaining != "50.00" {
				t.Fatalf("detail %+v", d)
			}
			var ok, limited atomic.Int32
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "30", IdemKey: fmt.Sprint(i)})
					switch {
					case err == nil:
						ok.Add(1)
					case errs.Is(err, "LIMIT_EXCEEDED"):
						limited.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 6 || limited.Load() != 44 { // 200 a day: six of 30
				t.Fatalf("ok=%d limited=%d", ok.Load(), limited.Load())
			}
			_, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "20.01"})
			if d := errs.As(err).Err.(*ledger.Detail); !errs.Is(err, "LIMIT_EXCEEDED") || d.Window != "per_day" || d.Remaining != "20.00" {
				t.Fatalf("day: %v %+v", err, d)
			}
			// The next day (in UTC+8) the day's window is open again.
			clk.Add(24 * time.Hour)
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "50"}); err != nil {
				t.Fatalf("next day: %v", err)
			}
			s.Policies = fixedPolicy{ledger.Policy{Send: ledger.Permission{Next: "basic"}}}
			_, err = s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "1"})
			if !errs.Is(err, "LEVEL_REQUIRED") || errs.As(err).Err.(*ledger.Detail).Level != "basic" {
				t.Fatalf("level: %v", err)
			}
			verify(t, s)
		})
	}
}

func TestLedgerHolds(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _, clk := newWallet(t, engine)
			ctx := context.Background()
			deposit(t, s, "usr_a", "100", "bank-1")
			w := func(amount, key string) (*ledger.Result, error) {
				return s.Withdraw(ctx, ledger.WithdrawInput{UserID: "usr_a", Asset: "CNY", Amount: amount, Destination: "ICBC 6222", IdemKey: key})
			}
			h1, err := w("60", "w1")
			if err != nil {
				t.Fatal(err)
			}
			if b := balance(t, s, "usr_a"); b.Balance != 10000 || b.Held != 6000 || b.Available != 4000 {
				t.Fatalf("after hold %+v", b)
			}
			// A hold cannot exceed what is available, nor can a transfer.
			if _, err := w("40.01", "w2"); !errs.Is(err, "INSUFFICIENT_FUNDS") {
				t.Fatalf("second hold: %v", err)
			}
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "40.01"}); !errs.Is(err, "INSUFFICIENT_FUNDS") {
				t.Fatalf("transfer past hold: %v", err)
			}
			// Partial capture: 50 of 60 leaves, 10 is released.
			r, err := s.CompleteWithdrawal(ctx, h1.Hold.ID, "50", "admin:x", "")
			if err != nil || r.Hold.Status != ledger.HoldCaptured || r.Hold.Captured != 5000 || r.Tx == nil {
				t.Fatalf("capture: %v %+v", err, r)
			}
			if b := balance(t, s, "usr_a"); b.Balance != 5000 || b.Held != 0 {
				t.Fatalf("after capture %+v", b)
			}
			for _, f := range []func() (*ledger.Result, error){
				func() (*ledger.Result, error) { return s.CompleteWithdrawal(ctx, h1.Hold.ID, "", "admin:x", "") },
				func() (*ledger.Result, error) { return s.CancelWithdrawal(ctx, h1.Hold.ID, "", "admin:x", "") },
			} {
				if _, err := f(); !errs.Is(err, "WITHDRAWAL_NOT_OPEN") {
					t.Fatalf("second change of a captured hold: %v", err)
				}
			}
			// Release, then no capture.
			h2, err := w("20", "w3")
			if err != nil {
				t.Fatal(err)
			}
			if r, err := s.CancelWithdrawal(ctx, h2.Hold.ID, "asked", "admin:x", ""); err != nil || r.Hold.Status != ledger.HoldReleased {
				t.Fatalf("cancel %v %+v", err, r)
			}
			if _, err := s.CompleteWithdrawal(ctx, h2.Hold.ID, "", "admin:x", ""); !errs.Is(err, "WITHDRAWAL_NOT_OPEN") {
				t.Fatalf("capture released: %v", err)
			}
			// Capture more than held.
			h3, err := w("10", "w4")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CompleteWithdrawal(ctx, h3.Hold.ID, "10.01", "admin:x", ""); !errs.Is(err, "CAPTURE_EXCEEDS_HOLD") {
				t.Fatalf("over capture: %v", err)
			}
			// Expiry.
			if n, err := s.ExpireHolds(ctx); err != nil || n != 0 {
				t.Fatalf("nothing expired yet: %d %v", n, err)
			}
			clk.Add(8 * 24 * time.Hour)
			if n, err := s.ExpireHolds(ctx); err != nil || n != 1 {
				t.Fatalf("expired %d %v", n, err)
			}
			if h, err := s.Withdrawal(ctx, h3.Hold.ID); err != nil || h.Status != ledger.HoldExpired {
				t.Fatalf("expired hold %v %+v", err, h)
			}
			if _, err := s.CompleteWithdrawal(ctx, h3.Hold.ID, "", "admin:x", ""); !errs.Is(err, "WITHDRAWAL_NOT_OPEN") {
				t.Fatalf("capture expired: %v", err)
			}
			if b := balance(t, s, "usr_a"); b.Balance != 5000 || b.Held != 0 || b.Available != 5000 {
				t.Fatalf("end %+v", b)
			}
			if _, err := s.CompleteWithdrawal(ctx, "wdr_none", "", "admin:x", ""); !errs.Is(err, "WITHDRAWAL_NOT_FOUND") {
				t.Fatalf("unknown: %v", err)
			}
			verify(t, s)
		})
	}
}

func TestLedgerReverseFreezeStatementEvents(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, db, _ := newWallet(t, engine)
			ctx := context.Background()
			deposit(t, s, "usr_a", "100", "bank-1")
			tr, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "30", Memo: "饭钱"})
			if err != nil {
				t.Fatal(err)
			}
			rv, err := s.Reverse(ctx, tr.Tx.ID, "mistake", "admin:x", "")
			if err != nil || rv.Tx.ReversalOf != tr.Tx.ID {
				t.Fatalf("reverse %v %+v", err, rv)
			}
			if _, err := s.Reverse(ctx, tr.Tx.ID, "again", "admin:x", ""); !errs.Is(err, "ALREADY_REVERSED") {
				t.Fatalf("twice: %v", err)
			}
			if _, err := s.Reverse(ctx, rv.Tx.ID, "again", "admin:x", ""); !errs.Is(err, "NOT_REVERSIBLE") {
				t.Fatalf("reversal of reversal: %v", err)
			}
			// b spends what it got: the reversal of a second transfer would take b below zero.
			tr2, _ := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "10"})
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_b", To: "usr_c", Asset: "CNY", Amount: "10"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Reverse(ctx, tr2.Tx.ID, "x", "admin:x", ""); !errs.Is(err, "INSUFFICIENT_FUNDS") {
				t.Fatalf("reversal below zero: %v", err)
			}
			// Freeze: cannot send or withdraw, can receive; audited.
			if _, err := s.Freeze(ctx, "usr_a", "court order", "admin:x", "req1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "1"}); !errs.Is(err, "ACCOUNT_FROZEN") {
				t.Fatalf("frozen send: %v", err)
			}
			if _, err := s.Withdraw(ctx, ledger.WithdrawInput{UserID: "usr_a", Asset: "CNY", Amount: "1", Destination: "x"}); !errs.Is(err, "ACCOUNT_FROZEN") {
				t.Fatalf("frozen withdraw: %v", err)
			}
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_c", To: "usr_a", Asset: "CNY", Amount: "1"}); err != nil {
				t.Fatalf("frozen receive: %v", err)
			}
			if _, err := s.Unfreeze(ctx, "usr_a", "lifted", "admin:x", "req2"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Transfer(ctx, ledger.TransferInput{From: "usr_a", To: "usr_b", Asset: "CNY", Amount: "1"}); err != nil {
				t.Fatalf("after unfreeze: %v", err)
			}
			var audits int
			if err := db.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action IN ('wallet.freeze', 'wallet.unfreeze') AND subject = 'usr_a'`).Scan(&audits); err != nil || audits != 2 {
				t.Fatalf("audits %d %v", audits, err)
			}
			// Statement: paged, filtered.
			all, next, err := s.Transactions(ctx, "usr_a", ledger.TxFilter{Limit: 2})
			if err != nil || len(all) != 2 || next == "" || all[0].Amount != -100 {
				t.Fatalf("page 1 %v %q %+v", err, next, all)
			}
			var got []ledger.Entry
			cur := ""
			for {
				page, n, err := s.Transactions(ctx, "usr_a", ledger.TxFilter{Limit: 2, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if n == "" {
					break
				}
				cur = n
			}
			if len(got) != 6 { // deposit, transfer, reversal, transfer, received, transfer
				t.Fatalf("entries %d %+v", len(got), got)
			}
			deps, _, _ := s.Transactions(ctx, "usr_a", ledger.TxFilter{Type: "deposit"})
			if len(deps) != 1 || deps[0].Amount != 10000 {
				t.Fatalf("deposits %+v", deps)
			}
			if _, _, err := s.Transactions(ctx, "usr_a", ledger.TxFilter{Cursor: "!!"}); !errs.Is(err, "CURSOR_INVALID") {
				t.Fatalf("cursor: %v", err)
			}
			// Outbox: every committed change, read and deleted.
			evs, err := s.Events(ctx, 100)
			if err != nil || len(evs) != 9 {
				t.Fatalf("events %d %v %+v", len(evs), err, evs)
			}
			if evs[0].Type != ledger.EventDeposit || evs[1].Type != ledger.EventTransfer || len(evs[1].UserIDs) != 2 {
				t.Fatalf("first events %+v", evs[:2])
			}
			ids := []int64{evs[0].ID, evs[1].ID}
			if err := s.DeleteEvents(ctx, ids); err != nil {
				t.Fatal(err)
			}
			if evs, _ := s.Events(ctx, 100); len(evs) != 7 {
				t.Fatalf("after delete %d", len(evs))
			}
			verify(t, s)
			// A broken balance is named.
			if _, err := db.Exec(`UPDATE wallet_accounts SET balance = balance + 1 WHERE id = 'c:usr_b:CNY'`); err != nil {
				t.Fatal(err)
			}
			_, err = s.Verify(ctx)
			var ie *ledger.InvariantError
			if !errors.As(err, &ie) || ie.Account != "c:usr_b:CNY" {
				t.Fatalf("verify after tampering: %v", err)
			}
		})
	}
}

// TestLedgerReplicas: two servers (two database handles, two services with
// their own committers) on one database move money from one account at
// once; the locks, not the process, keep it right.
func TestLedgerReplicas(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := sqltest.DSN(t, engine)
			var svcs []*ledger.Service
			for i := range 2 {
				db, err := sqlstore.Open(context.Background(), dsn, sqltest.Keyring(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(context.Background(), nil); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					for _, u := range []string{"usr_a", "usr_b", "usr_c"} {
						addUser(t, db, u)
					}
				}
				s := ledger.NewService(db.Ledger(nil), ledger.Config{Committers: 2})
				t.Cleanup(s.Close)
				svcs = append(svcs, s)
			}
			deposit(t, svcs[0], "usr_a", "20", "bank-1")
			// 30 keys, each sent to both replicas at once: 20 can be paid.
			results := make([]string, 60)
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k := i % 30
					r, err := svcs[i/30].Transfer(context.Background(), ledger.TransferInput{From: "usr_a", To: []string{"usr_b", "usr_c"}[k%2],
						Asset: "CNY", Amount: "1", IdemKey: fmt.Sprint("k", k)})
					switch {
					case err == nil:
						results[i] = r.Tx.ID
					case errs.Is(err, "INSUFFICIENT_FUNDS"):
						results[i] = "poor"
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			paid := 0
			for k := range 30 {
				if results[k] != results[k+30] {
					t.Fatalf("key %d answered %q and %q", k, results[k], results[k+30])
				}
				if results[k] != "poor" {
					paid++
				}
			}
			r := verify(t, svcs[1])
			if b := balance(t, svcs[1], "usr_a"); paid != 20 || b.Balance != 0 || r.Transactions != 21 {
				t.Fatalf("payer %+v, %d paid, %d transactions", b, paid, r.Transactions)
			}
		})
	}
}
