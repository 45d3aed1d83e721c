package cluster

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// counter counts the statements sent to PostgreSQL (each one round trip;
// BEGIN and COMMIT included).
type counter struct{ n atomic.Int64 }

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type codeBook struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *codeBook) SendCode(_ context.Context, phone, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[phone] = code
	return nil
}

// BenchmarkCapacity measures what one operation costs a replica: CPU (this
// process: the application and the HTTP client together; PostgreSQL's own
// CPU is not in it) and PostgreSQL round trips (every statement, BEGIN and
// COMMIT included, counted by a pgx tracer; the background job polling
// measured while idle is subtracted). Operations run one at a time, over
// HTTP on loopback, with production settings (argon2id 19 MiB × 2, real
// OCR when installed). The README's capacity table is computed from it.
//
//	VERIWALLET_TEST_POSTGRES_URL=… OMP_THREAD_LIMIT=1 go test -run '^$' -bench Capacity -benchtime 1x ./cluster/
func BenchmarkCapacity(b *testing.B) {
	if os.Getenv("VERIWALLET_TEST_POSTGRES_URL") == "" {
		b.Skip("VERIWALLET_TEST_POSTGRES_URL not set")
	}
	for range b.N {
		runCapacity(b)
	}
}

func runCapacity(b *testing.B) {
	ctx := context.Background()
	cnt := &counter{}
	db, err := sqlstore.OpenTraced(ctx, sqltest.DSN(b, sqlstore.Postgres), sqltest.Keyring(b), cnt)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil); err != nil {
		b.Fatal(err)
	}
	pool, st := ocr.OpenPool(ocr.Dir(), 1)
	if pool != nil {
		defer pool.Close()
	} else {
		b.Logf("OCR not installed (%s): the verification is measured without reading", st.Detail)
	}
	cfg := identity.DefaultConfig
	cfg.MaxRegistrations = 0
	book := &codeBook{m: map[string]string{}}
	a, err := app.New(ctx, app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(), Accounts: cfg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Reader: app.OCRReader(pool, st), Sender: book,
		WalletUnchecked: true, RegisterLimit: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.Start(bg); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer func() { srv.Close(); a.Stop(context.Background()) }()

	// The idle rate of background statements (River's polling, sweeps).
	time.Sleep(time.Second)
	n0, t0 := cnt.n.Load(), time.Now()
	time.Sleep(3 * time.Second)
	idle := float64(cnt.n.Load()-n0) / time.Since(t0).Seconds()
	b.Logf("background: %.1f statements/s while idle (subtracted below)", idle)

	type result struct {
		name      string
		ops       int
		cpu, wall time.Duration
		trips     float64
	}
	var results []result
	measure := func(name string, ops int, fn func()) {
		c0, n0, w0 := cpuNow(), cnt.n.Load(), time.Now()
		fn()
		wall := time.Since(w0)
		trips := float64(cnt.n.Load()-n0) - idle*wall.Seconds()
		results = append(results, result{name, ops, (cpuNow() - c0) / time.Duration(ops), wall / time.Duration(ops), trips / float64(ops)})
	}
	cl := func(token string) *client { return &client{t: nil, base: srv.URL, token: token} }

	// Registration (argon2id at its production cost).
	const regs = 10
	measure("registration", regs, func() {
		for i := range regs {
			code := benchDo(b, cl(""), "POST", "/api/v1/auth/register", fmt.Sprintf(`{"email":"r%d@example.com","password":"capacity password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, i), nil, nil)
			if code != 201 {
				b.Fatalf("register: %d", code)
			}
		}
	})
	tokens := make([]string, regs)
	measure("login", regs, func() {
		for i := range regs {
			var l struct{ Token string }
			benchDo(b, cl(""), "POST", "/api/v1/auth/login", fmt.Sprintf(`{"email":"r%d@example.com","password":"capacity password"}`, i), nil, &l)
			tokens[i] = l.Token
		}
	})
	// A status read (what a polling client costs).
	var caseID string
	{
		c := cl(tokens[0])
		benchDo(b, c, "POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil, nil)
		var v struct{ Verification struct{ ID string } }
		benchDo(b, c, "POST", "/api/v1/verifications", `{"level":"standard"}`, map[string]string{"Idempotency-Key": "v"}, &v)
		caseID = v.Verification.ID
	}
	const reads = 200
	measure("status read", reads, func() {
		for range reads {
			benchDo(b, cl(tokens[0]), "GET", "/api/v1/verifications/"+caseID, "", nil, nil)
		}
	})
	readTrips := results[len(results)-1].trips

	// A whole verification: the case and applicant, the phone code, two
	// photos (gate, encryption, the reading job), the submission and the
	// decision (polled every 100 ms; the polls' round trips subtracted).
	const cases = 4
	polls := 0
	measure("verification (two photos read)", cases, func() {
		for i := 1; i <= cases; i++ {
			c := cl(tokens[i])
			benchDo(b, c, "POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil, nil)
			var v struct{ Verification struct{ ID string } }
			benchDo(b, c, "POST", "/api/v1/verifications", `{"level":"standard"}`, map[string]string{"Idempotency-Key": "v"}, &v)
			id := v.Verification.ID
			phone := fmt.Sprintf("+86139%08d", i)
			benchDo(b, c, "PUT", "/api/v1/verifications/"+id+"/applicant", `{"full_name":"王小明","id_type":"cn_resident","id_number":"`+idNumber(i)+`","phone":"`+phone+`"}`, nil, nil)
			benchDo(b, c, "POST", "/api/v1/verifications/"+id+"/phone/send", "", nil, nil)
			book.mu.Lock()
			code := book.m[phone]
			book.mu.Unlock()
			benchDo(b, c, "POST", "/api/v1/verifications/"+id+"/phone/confirm", `{"code":"`+code+`"}`, nil, nil)
			for _, side := range []struct {
				kind string
				s    synth.Side
			}{{"id_front", synth.Front}, {"id_back", synth.Back}} {
				doc := benchUpload(b, c, side.kind, photoB(b, i, side.s))
				benchDo(b, c, "POST", "/api/v1/verifications/"+id+"/documents", `{"kind":"`+side.kind+`","document_id":"`+doc+`"}`, nil, nil)
			}
			benchDo(b, c, "POST", "/api/v1/verifications/"+id+"/submit", "", map[string]string{"Idempotency-Key": "s"}, nil)
			for {
				var s struct{ Verification struct{ Status string } }
				benchDo(b, c, "GET", "/api/v1/verifications/"+id, "", nil, &s)
				polls++
				if decided[s.Verification.Status] {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	results[len(results)-1].trips -= float64(polls) * readTrips / cases

	// Transfers, one at a time (no group commit to share: the worst case).
	var ids [2]string
	for i := range 2 {
		var me struct{ User struct{ ID string } }
		benchDo(b, cl(tokens[i]), "GET", "/api/v1/me", "", nil, &me)
		ids[i] = me.User.ID
		if _, err := a.Wallet.Deposit(ctx, ledger.DepositInput{UserID: ids[i], Asset: "CNY", Amount: "100000", Reference: "f" + ids[i]}); err != nil {
			b.Fatal(err)
		}
	}
	const transfers = 300
	measure("transfer", transfers, func() {
		for i := range transfers {
			if st := benchDo(b, cl(tokens[i%2]), "POST", "/api/v1/wallet/transfers", `{"to":"`+ids[(i+1)%2]+`","asset":"CNY","amount":"1.23"}`,
				map[string]string{"Idempotency-Key": fmt.Sprintf("t%d", i)}, nil); st != 201 {
				b.Fatalf("transfer: %d", st)
			}
		}
	})

	// Screening: the UN consolidated list (2026-02), one search at a time.
	raw, err := os.ReadFile("../internal/screening/testdata/un-consolidated-2026-02.xml.gz")
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	xml, _ := io.ReadAll(zr)
	path := filepath.Join(b.TempDir(), "un.xml")
	os.WriteFile(path, xml, 0o600)
	parsed, err := screening.ParseFile("un_xml", path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Screening.Import(ctx, parsed); err != nil {
		b.Fatal(err)
	}
	a.Screening.Search(ctx, screening.Query{Name: "warm up"})
	names := []string{"Kim Jong Un", "Mohammed Ali Hassan", "李明", "Ivan Petrov", "Abu Bakr al Baghdadi"}
	const searches = 2000
	measure("screening query (in process)", searches, func() {
		for i := range searches {
			if _, err := a.Screening.Search(ctx, screening.Query{Name: names[i%len(names)]}); err != nil {
				b.Fatal(err)
			}
		}
	})

	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| operation | ops | CPU ms / op | wall ms / op | PostgreSQL round trips / op |\n|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&sb, "| %s | %d | %.2f | %.2f | %.1f |\n", r.name, r.ops, float64(r.cpu.Microseconds())/1000, float64(r.wall.Microseconds())/1000, max(r.trips, 0))
		b.ReportMetric(float64(r.cpu.Microseconds())/1000, strings.ReplaceAll(strings.Fields(r.name)[0], " ", "_")+"-cpu-ms")
	}
	b.Log(sb.String())
}

func benchDo(b *testing.B, c *client, method, path, body string, hdr map[string]string, out any) int {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		json.Unmarshal(raw, out)
	}
	if res.StatusCode >= 300 {
		b.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

func benchUpload(b *testing.B, c *client, kind string, file []byte) string {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", "p.jpg")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var m struct {
		Document struct{ ID string } `json:"document"`
	}
	json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode != http.StatusCreated {
		b.Fatalf("upload %s: %d", kind, res.StatusCode)
	}
	return m.Document.ID
}

func photoB(b *testing.B, i int, side synth.Side) []byte {
	data, err := synth.Encode(synth.Spec{Seed: uint64(i*2 + len(side)), W: 1000 + i, H: 750, Side: side,
		CardWidth: 0.7, CX: 0.5, CY: 0.5, Angle: 2, Background: i % 5, Noise: 0.8, Quality: 88})
	if err != nil {
		b.Fatal(err)
	}
	return data
}
