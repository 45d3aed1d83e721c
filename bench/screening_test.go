package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
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
	"testing/fstest"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

const screeningData = "../internal/screening/testdata/"

func gunzipFile(b *testing.B, name string) []byte {
	b.Helper()
	f, err := os.Open(screeningData + name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// importTestLists imports the OFAC 2021 and UN 2026-02 lists of
// internal/screening/testdata into the application.
func importTestLists(b *testing.B, s *screening.Service) {
	fsys := fstest.MapFS{}
	for _, n := range []string{"sdn", "alt", "add", "sdn_comments"} {
		fsys[n+".csv"] = &fstest.MapFile{Data: gunzipFile(b, "ofac-"+n+".csv.gz")}
	}
	ofac, err := screening.ParseOFAC(fsys)
	if err != nil {
		b.Fatal(err)
	}
	un, err := screening.ParseUN(bytes.NewReader(gunzipFile(b, "un-consolidated-2026-02.xml.gz")))
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []*screening.Parsed{{Source: screening.SourceOFAC, FileHash: "ofac", Entities: ofac},
		{Source: screening.SourceUN, FileHash: "un", Entities: un}} {
		if _, err := s.Import(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}

// labelledNames reads the queries of the labelled set.
func labelledNames(b *testing.B) []string {
	raw, err := os.ReadFile(screeningData + "labelled.tsv")
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		c := strings.Split(line, "\t")
		if len(c) != 7 || c[0] == "id" || strings.HasPrefix(line, "#") {
			continue
		}
		q, _ := json.Marshal(map[string]any{"name": c[3], "birth_date": c[4]})
		out = append(out, string(q))
	}
	return out
}

// BenchmarkScreeningHTTP sends the labelled set's queries to POST
// /api/v1/review/screening/search (a reviewer's session, the OFAC 2021
// and UN 2026-02 lists) from BENCH_CLIENTS (8) keep-alive clients for
// BENCH_SECONDS (10), on SQLite (sessions are looked up per request),
// and reports queries per second and latency percentiles:
//
//	BENCH_SECONDS=10 go test -run x -bench ScreeningHTTP -benchtime 1x ./bench/
func BenchmarkScreeningHTTP(b *testing.B) {
	clients, seconds := 8, 10
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); v > 0 {
		clients = v
	}
	if v, _ := strconv.Atoi(os.Getenv("BENCH_SECONDS")); v > 0 {
		seconds = v
	}
	db := sqltest.Open(b, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg})
	if err != nil {
		b.Fatal(err)
	}
	importTestLists(b, a.Screening)
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(srv.Close)
	desk, err := a.Accounts.Register(context.Background(), identity.RegisterInput{Email: "desk@example.com", Password: "reviewer password",
		Role: identity.RoleReviewer})
	if err != nil {
		b.Fatal(err)
	}
	// Staff log in with a second factor.
	en, _, err := a.Accounts.EnrolTOTP(context.Background(), desk)
	if err != nil {
		b.Fatal(err)
	}
	var login struct{ Token string }
	c := &client{b: b, base: srv.URL}
	c.do("POST", "/api/v1/auth/login", `{"email":"desk@example.com","password":"reviewer password","totp_code":"`+
		identity.TOTPCodeBase32(en.Secret, time.Now())+`"}`, &login)
	if login.Token == "" {
		b.Fatal("reviewer login failed")
	}
	bodies := labelledNames(b)
	for range b.N {
		var mu sync.Mutex
		var lat []time.Duration
		statuses := map[int]int{}
		var wg sync.WaitGroup
		start := time.Now()
		stop := start.Add(time.Duration(seconds) * time.Second)
		for k := range clients {
			wg.Go(func() {
				hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 30 * time.Second}
				defer hc.CloseIdleConnections()
				var mine []time.Duration
				counts := map[int]int{}
				for i := k; time.Now().Before(stop); i += clients {
					req, _ := http.NewRequest("POST", srv.URL+"/api/v1/review/screening/search", strings.NewReader(bodies[i%len(bodies)]))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+login.Token)
					t0 := time.Now()
					res, err := hc.Do(req)
					if err != nil {
						counts[0]++
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					mine = append(mine, time.Since(t0))
					counts[res.StatusCode]++
				}
				mu.Lock()
				lat = append(lat, mine...)
				for s, n := range counts {
					statuses[s] += n
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		el := time.Since(start)
		slices.Sort(lat)
		rate := float64(len(lat)) / el.Seconds()
		p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
		b.ReportMetric(rate, "queries/s")
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.Logf("%d clients × %d s: %d queries, %.0f/s, p50 %v, p99 %v; statuses %v", clients, seconds, len(lat), rate, p50, p99, statuses)
		if statuses[200] != len(lat) {
			b.Fatalf("statuses %v", statuses)
		}
	}
}
