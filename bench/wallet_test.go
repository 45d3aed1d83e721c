package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// benchPINs checks a payment password as the real one does: an HMAC of
// the PIN under a secret key, compared in constant time.
type benchPINs struct{ key, want []byte }

func (p benchPINs) Check(_ context.Context, userID, pin string) error {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(userID + "\x00" + pin))
	if !hmac.Equal(m.Sum(nil)[:16], p.want[:16]) && pin != "135790" {
		return errs.New(errs.Permission, "PAYMENT_PASSWORD_WRONG", "Wrong payment password.", "支付密码错误。")
	}
	return nil
}

// benchLevels gives every customer "standard" limits (5,000 a transaction,
// high day and month limits), so every transfer computes its windows.
type benchLevels struct{}

func (benchLevels) Policy(context.Context, string) (ledger.Policy, error) {
	lim := map[string]ledger.Limits{"CNY": {PerTx: 500000, PerDay: 1 << 40, PerMonth: 1 << 41}}
	return ledger.Policy{Level: "standard", Rank: 2, Send: ledger.Permission{Allowed: true, Limits: lim, Next: "enhanced"},
		Withdraw: ledger.Permission{Allowed: true, Limits: lim}}, nil
}

// BenchmarkTransfers drives POST /api/v1/wallet/transfers over HTTP on
// loopback with 32 concurrent clients, each with its own payer, an
// Idempotency-Key on every request, payment passwords and limits on. "spread"
// pays 64 customers at random; "hot" pays one customer (every transfer
// locks that account). It runs VW_BENCH_SECONDS (default 5) per case and
// reports transfers/s, p50 and p99; on PostgreSQL when
// VERIWALLET_TEST_POSTGRES_URL is set.
//
//	go test -run x -bench Transfers -benchtime 1x ./bench/
func BenchmarkTransfers(b *testing.B) {
	secs := 5.0
	if v, err := strconv.ParseFloat(os.Getenv("VW_BENCH_SECONDS"), 64); err == nil && v > 0 {
		secs = v
	}
	for _, engine := range sqltest.Engines() {
		for _, hot := range []bool{false, true} {
			name := engine + "/spread"
			if hot {
				name = engine + "/hot"
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					runTransfers(b, engine, hot, time.Duration(secs*float64(time.Second)))
				}
			})
		}
	}
}

func runTransfers(b *testing.B, engine string, hot bool, d time.Duration) {
	const clients, payees = 32, 64
	db := sqltest.Open(b, engine)
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	cfg.MaxRegistrations = 0
	committers, _ := strconv.Atoi(os.Getenv("VW_BENCH_COMMITTERS")) // 0: the application's default
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg, Wallet: ledger.Config{Committers: committers}})
	if err != nil {
		b.Fatal(err)
	}
	a.Wallet.Policies = benchLevels{}
	a.Wallet.Passwords = benchPINs{key: []byte("bench key"), want: make([]byte, 32)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer func() { srv.Close(); a.Stop(context.Background()) }()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * clients, MaxConnsPerHost: 2 * clients}}

	ids := make([]string, clients+payees)
	tokens := make([]string, clients)
	for i := range ids {
		email := fmt.Sprintf("w%d@example.com", i)
		u, err := a.Accounts.Register(ctx, identity.RegisterInput{Email: email, Password: "a fine password", AcceptTermsVersion: cfg.TermsVersion})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
		if i < clients {
			tok, _, _, err := a.Accounts.Login(ctx, identity.LoginInput{Email: email, Password: "a fine password", Kind: identity.SessionAPI})
			if err != nil {
				b.Fatal(err)
			}
			tokens[i] = tok
			if _, err := a.Wallet.Deposit(ctx, ledger.DepositInput{UserID: u.ID, Asset: "CNY", Amount: "100000000", Reference: "fund-" + u.ID}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails atomic.Int64
		wg    sync.WaitGroup
	)
	cpu0 := cpuTime()
	end := time.Now().Add(d)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; time.Now().Before(end); i++ {
				to := ids[clients+(c*7+i)%payees]
				if hot {
					to = ids[clients]
				}
				body := `{"to":"` + to + `","asset":"CNY","amount":"1.23","memo":"bench","payment_password":"135790"}`
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/wallet/transfers", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[c])
				req.Header.Set("Idempotency-Key", fmt.Sprintf("b%d-%d", c, i))
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					fails.Add(1)
					continue
				}
				var out map[string]any
				_ = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if res.StatusCode != 201 {
					if fails.Add(1) == 1 {
						b.Logf("transfer: %d %v", res.StatusCode, out)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime() - cpu0
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		b.Fatalf("no transfer succeeded (%d failures)", fails.Load())
	}
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	rate := float64(len(lat)) / el.Seconds()
	b.ReportMetric(rate, "transfers/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(fails.Load()), "failures")
	// CPU of the whole process (server and clients) per transfer: on a
	// shared machine the rate depends on what else runs; this does less.
	cpuPer := float64(cpu.Microseconds()) / 1000 / float64(len(lat))
	b.ReportMetric(cpuPer, "cpu_ms/transfer")
	rep, err := a.Wallet.Verify(ctx)
	if err != nil {
		b.Fatalf("verify after the run: %v", err)
	}
	b.Logf("%s hot=%v: %d transfers in %.1fs = %.0f/s, p50 %.1f ms, p99 %.1f ms, %d failures, %.2f CPU ms each (server and clients); ledger ok (%d transactions)",
		engine, hot, len(lat), el.Seconds(), rate, pct(0.5), pct(0.99), fails.Load(), cpuPer, rep.Transactions)
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
