// Package bench holds whole-system benchmarks: the veriwallet application
// (internal/app, as the binary wires it) on loopback, driven over HTTP.
//
//	go test -run x -bench . -benchtime 1x ./bench/
//
// BenchmarkSubmitToDecision submits one verification per second (the steady
// load of the issue) and reports the p50 and p95 time from the submit
// request to the decision. BenchmarkTusUpload reports the tus upload rate.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Reader is the document reader the benchmark uses: the real OCR engines
// when installed (see ocr_test.go), else a reader that returns the typed
// data (so only the pipeline is measured; the output says which).
var Reader verification.DocumentReader

// Cards, when set (with Reader), makes applicant i's card photos and says
// what is printed on them (the benchmark types the same).
var Cards func(b *testing.B, i int) (front, back []byte, name, number string)

type echoReader struct{}

func (echoReader) Available() error    { return nil }
func (echoReader) CanRead(string) bool { return true }

// Read returns what is printed on applicant i's card; the benchmark makes
// applicant i's photos 1000+i pixels wide.
func (echoReader) Read(ctx context.Context, kind document.Kind, img []byte) (verification.Reading, error) {
	rd := verification.Reading{Kind: string(kind), KindConfidence: 1, Engine: "echo", Version: "0"}
	if kind == document.KindIDBack {
		rd.Fields = verification.ReadFields{"valid_until": {Value: "2040-01-01", Confidence: 1}}
		return rd, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return verification.Reading{}, err
	}
	rd.Fields = verification.ReadFields{"name": {Value: "王小明", Confidence: 1}, "id_number": {Value: idNumber(cfg.Width - 1000), Confidence: 1}}
	return rd, nil
}

type codes struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *codes) SendCode(ctx context.Context, phone, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[phone] = code
	return nil
}

func newApp(b *testing.B, reader verification.DocumentReader, sender verification.PhoneSender) (*httptest.Server, *app.App) {
	return newAppPoll(b, reader, sender, 50*time.Millisecond)
}

// newAppPoll is newApp with the job queue polling every poll.
func newAppPoll(b *testing.B, reader verification.DocumentReader, sender verification.PhoneSender, poll time.Duration) (*httptest.Server, *app.App) {
	db := sqltest.Open(b, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	cfg.MaxRegistrations = 0 // one client registers every applicant
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg, Reader: reader, Sender: sender, Poll: poll,
		PhoneLimits: loopbackPhoneLimits})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(func() { srv.Close(); a.Stop(context.Background()); cancel() })
	return srv, a
}

type client struct {
	b     *testing.B
	base  string
	token string
}

func (c *client) do(method, path, body string, out any) int {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.b.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		json.Unmarshal(raw, out)
	}
	if res.StatusCode >= 300 {
		c.b.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

func (c *client) upload(kind string, file []byte) string {
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
		c.b.Fatal(err)
	}
	defer res.Body.Close()
	var m struct {
		Document struct{ ID string } `json:"document"`
	}
	json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode != http.StatusCreated || m.Document.ID == "" {
		// A refused upload measures nothing: say so rather than time 404s.
		c.b.Errorf("upload %s: %d", kind, res.StatusCode)
	}
	return m.Document.ID
}

// idNumber makes a valid resident ID number for applicant i.
func idNumber(i int) string {
	base := fmt.Sprintf("110105199%d0307%03d", i%10, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := range 17 {
		sum += int(base[k]-'0') * w[k]
	}
	return base + string("10X98765432"[sum%11])
}

func BenchmarkSubmitToDecision(b *testing.B) {
	reader := Reader
	engine := "real OCR"
	if reader == nil {
		reader, engine = echoReader{}, "echo reader (OCR not measured)"
	}
	sender := &codes{m: map[string]string{}}
	srv, application := newApp(b, reader, sender)
	n := 20
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CASES")); v > 0 {
		n = v
	}
	// Each applicant photographs their own card: the same photo on two
	// accounts would be a duplicate-image signal (and go to a reviewer).
	photo := func(i int, side synth.Side) []byte {
		r := rand.New(rand.NewPCG(uint64(i), uint64(len(side))))
		data, err := synth.Encode(synth.Spec{Seed: uint64(i*2 + len(side)), W: 1000 + i, H: 750, Side: side,
			CardWidth: 0.62 + 0.15*r.Float64(), CX: 0.42 + 0.16*r.Float64(), CY: 0.42 + 0.16*r.Float64(),
			Angle: -6 + 12*r.Float64(), Background: r.IntN(5), Noise: 0.8, Quality: 88})
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	// Prepare n cases up to the submit button (the same person each time
	// would be a duplicate identity: each applicant has their own number).
	type prepared struct {
		c  *client
		id string
		i  int
	}
	var cases []prepared
	for i := range n {
		c := &client{b: b, base: srv.URL}
		email := fmt.Sprintf("u%d@example.com", i)
		c.do("POST", "/api/v1/auth/register", `{"email":"`+email+`","password":"bench password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil)
		var login struct{ Token string }
		c.do("POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"bench password"}`, &login)
		c.token = login.Token
		c.do("POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil)
		var v struct{ Verification struct{ ID string } }
		c.do("POST", "/api/v1/verifications", `{"level":"standard"}`, &v)
		id := v.Verification.ID
		phone := fmt.Sprintf("+86138%08d", i)
		front, back := photo(i, synth.Front), photo(i, synth.Back)
		name, number := "王小明", idNumber(i)
		if Cards != nil {
			front, back, name, number = Cards(b, i)
		}
		c.do("PUT", "/api/v1/verifications/"+id+"/applicant", `{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"}`, nil)
		c.do("POST", "/api/v1/verifications/"+id+"/phone/send", "", nil)
		sender.mu.Lock()
		code := sender.m[phone]
		sender.mu.Unlock()
		c.do("POST", "/api/v1/verifications/"+id+"/phone/confirm", `{"code":"`+code+`"}`, nil)
		c.do("POST", "/api/v1/verifications/"+id+"/documents", `{"kind":"id_front","document_id":"`+c.upload("id_front", front)+`"}`, nil)
		c.do("POST", "/api/v1/verifications/"+id+"/documents", `{"kind":"id_back","document_id":"`+c.upload("id_back", back)+`"}`, nil)
		cases = append(cases, prepared{c, id, i})
	}
	b.ResetTimer()
	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[string]int{}
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for _, p := range cases {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if st := p.c.do("POST", "/api/v1/verifications/"+p.id+"/submit", "", nil); st != 202 {
				b.Errorf("submit: %d", st)
				return
			}
			for time.Since(start) < 60*time.Second {
				var v struct{ Verification struct{ Status string } }
				p.c.do("GET", "/api/v1/verifications/"+p.id, "", &v)
				switch v.Verification.Status {
				case "submitted", "processing":
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if v.Verification.Status != "approved" {
					if d, err := application.Verifications.Review(context.Background(), p.id); err == nil && d.Decision != nil {
						b.Logf("case %d: %s %v", p.i, v.Verification.Status, d.Decision.Reasons)
					}
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				statuses[v.Verification.Status]++
				mu.Unlock()
				return
			}
			b.Errorf("case %s not decided within 60 s", p.id)
		}()
	}
	wg.Wait()
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		b.Fatal("no decisions")
	}
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(float64(p(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p(0.95).Milliseconds()), "p95-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
	b.Logf("%d submissions at 1/s with %s: p50 %v, p95 %v, max %v; outcomes %v", len(lat), engine, p(0.5), p(0.95), lat[len(lat)-1], statuses)
}

func BenchmarkTusUpload(b *testing.B) {
	srv, _ := newApp(b, nil, nil)
	c := &client{b: b, base: srv.URL}
	c.do("POST", "/api/v1/auth/register", `{"email":"t@example.com","password":"bench password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil)
	var login struct{ Token string }
	c.do("POST", "/api/v1/auth/login", `{"email":"t@example.com","password":"bench password"}`, &login)
	data := bytes.Repeat([]byte("veriwallet-bench-"), 5<<20/17+1)[:5<<20]
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/uploads/", nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", strconv.Itoa(len(data)))
		req.Header.Set("Authorization", "Bearer "+login.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 201 {
			b.Fatalf("create: %v %v", err, res)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		for off := 0; off < len(data); off += 1 << 20 {
			req, _ := http.NewRequest("PATCH", loc, bytes.NewReader(data[off:off+1<<20]))
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			req.Header.Set("Upload-Offset", strconv.Itoa(off))
			req.Header.Set("Authorization", "Bearer "+login.Token)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 204 {
				b.Fatalf("patch: %v %v", err, res)
			}
			res.Body.Close()
		}
		req, _ = http.NewRequest("DELETE", loc, nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+login.Token)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
}
