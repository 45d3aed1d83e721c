package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/idrules"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// fakeIdentity accepts the login password "login-pw" and gives every user
// a verified birth date of 1990-05-17.
type fakeIdentity struct{ verified bool }

func (f fakeIdentity) ConfirmPassword(_ context.Context, _, pw string) error {
	if pw != "login-pw" {
		return errs.New(errs.Permission, "PASSWORD_WRONG", "wrong", "错误")
	}
	return nil
}

func (f fakeIdentity) VerifiedBirthDate(context.Context, string) (idrules.Date, bool, error) {
	return idrules.Date{Year: 1990, Month: 5, Day: 17}, f.verified, nil
}

func walletUser(t *testing.T, db *sqlstore.DB, id, email string) {
	t.Helper()
	u := &identity.User{ID: id, Email: email, Role: identity.RoleCustomer, CreatedAt: time.Now()}
	if err := db.Accounts().CreateUser(context.Background(), u, "x", nil); err != nil {
		t.Fatal(err)
	}
}

func TestPaymentPassword(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			walletUser(t, db, "u1", "a@example.com")
			now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			key := sqltest.Keyring(t).BlindIndex("payment-password", []byte("v1"))
			pp := &wallet.PaymentPasswords{Store: db.Wallet(), Identity: fakeIdentity{true}, Key: key, Now: clock}

			if err := pp.Check(ctx, "u1", "385912"); !errs.Is(err, "PAYMENT_PASSWORD_NOT_SET") {
				t.Fatalf("before set: %v", err)
			}
			if err := (&wallet.PaymentPasswords{Store: db.Wallet(), Identity: fakeIdentity{false}, Key: key}).Check(ctx, "u1", "385912"); !errs.Is(err, "VERIFICATION_REQUIRED") {
				t.Fatalf("unverified, no PIN: %v", err)
			}
			if err := (&wallet.PaymentPasswords{Store: db.Wallet(), Identity: fakeIdentity{false}, Key: key}).Set(ctx, "u1", "385912", "login-pw"); !errs.Is(err, "VERIFICATION_REQUIRED") {
				t.Fatalf("unverified set: %v", err)
			}
			for _, bad := range []string{"123456", "654321", "000000", "121212", "900517", "170590", "051790", "12345", "12345a"} {
				if err := pp.Set(ctx, "u1", bad, "login-pw"); errs.KindOf(err) != errs.Invalid {
					t.Fatalf("Set(%s) = %v, want refused", bad, err)
				}
			}
			if err := pp.Set(ctx, "u1", "385912", "wrong"); !errs.Is(err, "PASSWORD_WRONG") {
				t.Fatalf("wrong login password: %v", err)
			}
			if err := pp.Set(ctx, "u1", "385912", "login-pw"); err != nil {
				t.Fatal(err)
			}
			var raw []byte
			if err := db.QueryRow(`SELECT mac FROM payment_passwords WHERE user_id = 'u1'`).Scan(&raw); err != nil || string(raw) == "385912" || len(raw) != 32 {
				t.Fatalf("stored %x, %v", raw, err)
			}
			if err := pp.Check(ctx, "u1", "385912"); err != nil {
				t.Fatal(err)
			}
			// 4 wrong, then right: the count starts again.
			for i := 0; i < 4; i++ {
				if err := pp.Check(ctx, "u1", "111112"); !errs.Is(err, "PAYMENT_PASSWORD_WRONG") {
					t.Fatalf("wrong %d: %v", i, err)
				}
			}
			if err := pp.Check(ctx, "u1", "385912"); err != nil {
				t.Fatalf("right after 4 wrong: %v", err)
			}
			// 5 wrong lock for 15 minutes, even the right one.
			for i := 0; i < 5; i++ {
				_ = pp.Check(ctx, "u1", "111112")
			}
			err := pp.Check(ctx, "u1", "385912")
			if !errs.Is(err, "PAYMENT_PASSWORD_LOCKED") || errs.As(err).RetryAfter != 15*time.Minute {
				t.Fatalf("locked: %v (%v)", err, errs.As(err).RetryAfter)
			}
			now = now.Add(15*time.Minute + time.Second)
			// The second lock lasts 30 minutes.
			for i := 0; i < 5; i++ {
				_ = pp.Check(ctx, "u1", "111112")
			}
			if err := pp.Check(ctx, "u1", "385912"); errs.As(err).RetryAfter != 30*time.Minute {
				t.Fatalf("second lock: %v %v", err, errs.As(err).RetryAfter)
			}
			now = now.Add(31 * time.Minute)
			if err := pp.Check(ctx, "u1", "385912"); err != nil {
				t.Fatalf("after the lock: %v", err)
			}

			// Concurrent guesses through two servers: exactly 4 are told
			// "wrong", the fifth locks, the rest find the lock.
			other := &wallet.PaymentPasswords{Store: db.Wallet(), Identity: fakeIdentity{true}, Key: key, Now: clock}
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes := map[string]int{}
			for i := 0; i < 30; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := pp
					if i%2 == 1 {
						s = other
					}
					err := s.Check(ctx, "u1", "222223")
					mu.Lock()
					codes[errs.As(err).Code]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if codes["PAYMENT_PASSWORD_WRONG"] != 4 || codes["PAYMENT_PASSWORD_LOCKED"] != 26 {
				t.Fatalf("concurrent guesses: %v", codes)
			}
			// Changing the PIN (with the login password) does not lift a lock.
			if err := pp.Set(ctx, "u1", "385913", "login-pw"); err != nil {
				t.Fatal(err)
			}
			if err := pp.Check(ctx, "u1", "385913"); !errs.Is(err, "PAYMENT_PASSWORD_LOCKED") {
				t.Fatalf("after change while locked: %v", err)
			}
		})
	}
}

func TestTrivialPIN(t *testing.T) {
	birth := &idrules.Date{Year: 1988, Month: 12, Day: 3}
	for pin, want := range map[string]bool{
		"123456": true, "654321": true, "000000": true, "999999": true, "012345": true, "890123": true,
		"121212": true, "520520": true, "123321": true, "881203": true, "031288": true, "120388": true,
		"120375": true, "751203": true, "385912": false, "204817": false, "1234567": true,
	} {
		if got := wallet.TrivialPIN(pin, birth); got != want {
			t.Errorf("TrivialPIN(%s) = %v, want %v", pin, got, want)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			ks := &wallet.APIKeys{Store: db.Wallet()}
			if _, _, err := ks.Create(ctx, "bank", []string{"wallet:everything"}); !errs.Is(err, "API_KEY_SCOPE") {
				t.Fatalf("bad scope: %v", err)
			}
			key, k, err := ks.Create(ctx, "bank", []string{"wallet:deposit"})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM api_keys WHERE key_hash = $1`, []byte(key)).Scan(&n); err != nil || n != 0 {
				t.Fatalf("key stored in clear: %d %v", n, err)
			}
			got, err := ks.Authenticate(ctx, key, wallet.ScopeDeposit, "POST /x", "req1")
			if err != nil || got.ID != k.ID || got.Uses != 1 {
				t.Fatalf("authenticate: %+v %v", got, err)
			}
			if _, err := ks.Authenticate(ctx, key, wallet.ScopeWithdrawals, "POST /y", "req2"); !errs.Is(err, "API_KEY_SCOPE_MISSING") {
				t.Fatalf("other scope: %v", err)
			}
			if _, err := ks.Authenticate(ctx, key+"x", wallet.ScopeDeposit, "POST /x", ""); !errs.Is(err, "API_KEY_INVALID") {
				t.Fatalf("wrong key: %v", err)
			}
			evs, err := db.Audit().Events(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			uses := 0
			for _, e := range evs {
				if e.Action == "apikey.use" && e.Subject == k.ID {
					uses++
				}
			}
			if uses != 2 {
				t.Fatalf("audited uses = %d, want 2: %+v", uses, evs)
			}
			if err := ks.Revoke(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			if err := ks.Revoke(ctx, "key_nope"); !errs.Is(err, "API_KEY_NOT_FOUND") {
				t.Fatalf("revoke unknown: %v", err)
			}
			if _, err := ks.Authenticate(ctx, key, wallet.ScopeDeposit, "POST /x", ""); !errs.Is(err, "API_KEY_INVALID") {
				t.Fatalf("revoked key: %v", err)
			}
			list, err := ks.List(ctx)
			if err != nil || len(list) != 1 || list[0].RevokedAt.IsZero() || list[0].Uses != 2 {
				t.Fatalf("list: %+v %v", list, err)
			}
		})
	}
}

func TestPayeeLookupThrottle(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			walletUser(t, db, "payer", "payer@example.com")
			now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					took, _, err := db.Wallet().TakeLookup(ctx, "payer", 7, now, now.Add(-time.Hour))
					if err != nil {
						t.Error(err)
					}
					if took {
						mu.Lock()
						ok++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if ok != 7 {
				t.Fatalf("%d look-ups taken, want 7", ok)
			}
			if took, _, _ := db.Wallet().TakeLookup(ctx, "payer", 7, now.Add(61*time.Minute), now.Add(time.Minute)); !took {
				t.Fatal("an hour later the look-up was refused")
			}
		})
	}
}

// fakeOutbox is a ledger outbox whose deletes can fail (a crash between
// handling and deleting).
type fakeOutbox struct {
	events    []ledger.Event
	txs       map[string]*ledger.Transaction
	failFirst bool
}

func (f *fakeOutbox) Events(context.Context, int) ([]ledger.Event, error) { return f.events, nil }
func (f *fakeOutbox) DeleteEvents(_ context.Context, ids []int64) error {
	if f.failFirst {
		f.failFirst = false
		return errs.Internalf("crash")
	}
	f.events = nil
	return nil
}
func (f *fakeOutbox) Transaction(_ context.Context, id string) (*ledger.Transaction, error) {
	return f.txs[id], nil
}
func (f *fakeOutbox) Withdrawal(context.Context, string) (*ledger.Hold, error) {
	return nil, ledger.ErrHoldNotFound
}

func TestMonitorDurable(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			src := &fakeOutbox{failFirst: true, txs: map[string]*ledger.Transaction{
				"t1": {ID: "t1", Type: ledger.TypeDeposit, Asset: "CNY", Amount: 2000000, To: "u1", CreatedAt: at},
				"t2": {ID: "t2", Type: ledger.TypeTransfer, Asset: "CNY", Amount: 1900000, From: "u1", To: "u2", CreatedAt: at.Add(10 * time.Minute)},
				"t3": {ID: "t3", Type: ledger.TypeTransfer, Asset: "CNY", Amount: 100, From: "u2", To: "u1", CreatedAt: at.Add(20 * time.Minute)},
			}}
			src.events = []ledger.Event{
				{ID: 1, TxID: "t1", Type: ledger.EventDeposit, UserIDs: []string{"u1"}, CreatedAt: at},
				{ID: 2, TxID: "t2", Type: ledger.EventTransfer, UserIDs: []string{"u1", "u2"}, CreatedAt: at.Add(10 * time.Minute)},
				{ID: 3, TxID: "t3", Type: ledger.EventTransfer, UserIDs: []string{"u2", "u1"}, CreatedAt: at.Add(20 * time.Minute)},
			}
			m, err := wallet.NewMonitor(src, db.Wallet(), wallet.DefaultAMLConfig(), ledger.DefaultAssets(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.RunOnce(ctx, ledger.DefaultAssets()); err == nil {
				t.Fatal("the delete's failure was not reported")
			}
			if n, err := m.RunOnce(ctx, ledger.DefaultAssets()); err != nil || n != 3 {
				t.Fatalf("second run: %d %v", n, err)
			}
			alerts, err := m.Alerts(ctx, wallet.AlertFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != 1 || alerts[0].Rule != wallet.RulePassThrough || alerts[0].UserID != "u1" ||
				len(alerts[0].Transactions) != 2 || alerts[0].Figures["in"] != float64(2000000) {
				t.Fatalf("alerts: %+v", alerts)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM aml_activity`).Scan(&n); err != nil || n != 5 {
				t.Fatalf("activity rows: %d %v", n, err)
			}
			if err := db.QueryRow(`SELECT COUNT(*) FROM aml_activity WHERE evaluated = FALSE`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("activity left unevaluated: %d %v", n, err)
			}
		})
	}
}
