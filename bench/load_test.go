package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// BenchmarkLoad runs the application as the binary wires it (real argon2id
// parameters) over loopback HTTP, with BENCH_CLIENTS clients (8) sending
// requests back to back for BENCH_SECONDS (20) against GET /api/v1/me and
// POST /api/v1/auth/login (one account, the right password, as a crowd of
// devices logging in at once would), on SQLite and, when
// VERIWALLET_TEST_POSTGRES_URL is set, PostgreSQL. It reports requests per
// second, the 99th percentile latency, and the answers that were 5xx or
// LOGIN_THROTTLED (both must be 0):
//
//	BENCH_SECONDS=20 go test -run x -bench Load -benchtime 1x ./bench/
func BenchmarkLoad(b *testing.B) {
	clients, seconds := 8, 20
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); v > 0 {
		clients = v
	}
	if v, _ := strconv.Atoi(os.Getenv("BENCH_SECONDS")); v > 0 {
		seconds = v
	}
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			srv := loadApp(b, engine)
			const account = `{"email":"crowd@example.com","password":"a load test password"}`
			res, err := http.Post(srv.URL+"/api/v1/auth/register", "application/json",
				strings.NewReader(`{"email":"crowd@example.com","password":"a load test password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`))
			if err != nil || res.StatusCode != 201 {
				b.Fatalf("register: %v %v", err, res)
			}
			res.Body.Close()
			var login struct{ Token string }
			c := &client{b: b, base: srv.URL}
			c.do("POST", "/api/v1/auth/login", account, &login)
			for _, ep := range []struct {
				name, method, path, body string
			}{
				{"me", "GET", "/api/v1/me", ""},
				{"login", "POST", "/api/v1/auth/login", account},
			} {
				b.Run(ep.name, func(b *testing.B) {
					for range b.N {
						r := drive(srv.URL, ep.method, ep.path, ep.body, login.Token, clients, time.Duration(seconds)*time.Second)
						b.ReportMetric(r.rate, "req/s")
						b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
						b.ReportMetric(float64(r.failed), "5xx")
						b.ReportMetric(float64(r.throttled), "throttled")
						b.Logf("%s %s %s: %d clients × %d s: %d requests, %.0f req/s, p50 %v, p99 %v; statuses %v",
							engine, ep.method, ep.path, clients, seconds, r.n, r.rate, r.p50, r.p99, r.statuses)
					}
				})
			}
		})
	}
}

func loadApp(b *testing.B, engine string) *httptest.Server {
	db := sqltest.Open(b, engine)
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: identity.DefaultConfig})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(func() { srv.Close(); a.Stop(context.Background()); cancel() })
	return srv
}

type loadResult struct {
	n, failed, throttled int
	rate                 float64
	p50, p99             time.Duration
	statuses             map[string]int
}

// drive sends requests from clients goroutines, each on its own
// keep-alive connection, for d.
func drive(base, method, path, body, token string, clients int, d time.Duration) loadResult {
	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[string]int{}
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range clients {
		wg.Go(func() {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 30 * time.Second}
			defer hc.CloseIdleConnections()
			var mine []time.Duration
			counts := map[string]int{}
			for time.Now().Before(stop) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				} else {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					counts["error"]++
					continue
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				key := strconv.Itoa(res.StatusCode)
				if res.StatusCode >= 400 {
					key += " " + string(raw[:min(len(raw), 60)])
				}
				counts[key]++
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range counts {
				statuses[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := loadResult{n: len(lat), statuses: statuses, rate: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	for k, v := range statuses {
		if strings.HasPrefix(k, "5") || k == "error" {
			r.failed += v
		}
		if strings.Contains(k, "LOGIN_THROTTLED") {
			r.throttled += v
		}
	}
	return r
}
