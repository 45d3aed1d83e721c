package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/internal/blob/s3test"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// The cluster under test: three `veriwallet serve` processes on one
// PostgreSQL database (a database of its own, dropped at the end) and one
// shared blob store, behind Proxy.
type testCluster struct {
	t        *testing.T
	bin      string
	dsn      string
	dir      string // shared data directory (blobs, key file)
	env      []string
	replicas []*replica
	proxy    *httptest.Server
	recv     *receiver
	s3       bool // blobs on the S3 server
}

type replica struct {
	n    int
	addr string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

func (r *replica) base() string { return "http://" + r.addr }

// receiver stands for the operator's systems: the SMS gateway (one-time
// codes) and a webhook endpoint, recording every delivery.
type receiver struct {
	mu     sync.Mutex
	codes  map[string]string          // phone → last code
	got    map[string]int             // delivery id → times received
	events map[string]map[string]bool // case id + " " + event → delivery ids
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	switch r.URL.Path {
	case "/sms":
		var m struct{ Phone, Code string }
		json.Unmarshal(b, &m)
		rv.codes[m.Phone] = m.Code
	case "/hook":
		id := r.Header.Get("Veriwallet-Delivery")
		rv.got[id]++
		var p struct {
			Event        string `json:"event"`
			Verification struct {
				ID string `json:"id"`
			} `json:"verification"`
		}
		json.Unmarshal(b, &p)
		k := p.Verification.ID + " " + p.Event
		if rv.events[k] == nil {
			rv.events[k] = map[string]bool{}
		}
		rv.events[k][id] = true
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rv *receiver) code(phone string) string {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.codes[phone]
}

// postgresURL is the server the cluster uses, or "" when none answers.
func postgresURL(t testing.TB) string {
	u := os.Getenv("VERIWALLET_TEST_POSTGRES_URL")
	if u == "" {
		u = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return ""
	}
	c.Close(ctx)
	return u
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildBinary builds veriwallet once per test binary.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the built binary when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func buildBinary(t testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vwcluster-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "veriwallet")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/veriwallet").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// newCluster creates the database, migrates it and starts n replicas and
// the proxy. extraEnv goes to every replica.
func newCluster(t *testing.T, n int, extraEnv ...string) *testCluster {
	base := postgresURL(t)
	if base == "" {
		t.Skip("cluster test skipped: no PostgreSQL answers (set VERIWALLET_TEST_POSTGRES_URL, or run one on 127.0.0.1:5432)")
	}
	bin := buildBinary(t)
	ctx := context.Background()
	b := make([]byte, 5)
	rand.Read(b)
	name := "vwcluster_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	u, _ := url.Parse(base)
	u.Path = "/" + name
	c := &testCluster{t: t, bin: bin, dsn: u.String(), dir: t.TempDir(),
		recv: &receiver{codes: map[string]string{}, got: map[string]int{}, events: map[string]map[string]bool{}}}
	rsrv := httptest.NewServer(c.recv)
	t.Cleanup(func() {
		c.stopAll()
		rsrv.Close()
		a, err := pgx.Connect(context.Background(), base)
		if err == nil {
			a.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			a.Close(context.Background())
		}
	})
	c.env = append(os.Environ(),
		"VERIWALLET_DB="+c.dsn,
		"VERIWALLET_DATA_DIR="+c.dir,
		"VERIWALLET_KEY_FILE="+filepath.Join(c.dir, "keys.json"),
		"VERIWALLET_INSECURE_FAST_HASH=1",
		"VERIWALLET_SMS_URL="+rsrv.URL+"/sms", "VERIWALLET_SMS_SECRET=cluster-test",
		"VERIWALLET_TRUST_PROXY=true",
		"VERIWALLET_REGISTER_LIMIT=100000", "VERIWALLET_SMS_PER_CLIENT_HOUR=0",
		// No OCR: what is tested is the cluster, not reading (the cases
		// go to a reviewer, a decision like any other).
		"VERIWALLET_OCR_DIR="+filepath.Join(c.dir, "no-ocr"),
		// Short enough that the killed replica's jobs are rescued within the
		// test, long enough that a job on a loaded machine is not timed out
		// (a timed-out attempt waits for River's retry backoff).
		"VERIWALLET_JOB_TIMEOUT=8s", "VERIWALLET_RESCUE_AFTER=10s",
		"VERIWALLET_INSECURE_WALLET_UNCHECKED=1",
		"VERIWALLET_SHUTDOWN_DRAIN=0",
		"VERIWALLET_LOG_LEVEL=warn",
	)
	// Blobs on a real S3 server (versitygw), else on the folder the
	// replicas share.
	if _, err := s3test.Binary(); err != nil {
		t.Logf("versitygw not installed (scripts/setup.sh --test): blobs in a shared folder instead of S3")
	} else {
		s3 := s3test.Start(t)
		c.env = append(c.env, s3.Env("cluster")...)
		c.s3 = true
	}
	c.env = append(c.env, extraEnv...)
	// One migration and one key file, before the replicas start.
	if out, err := c.command("migrate").CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	var backends []string
	for i := range n {
		r := &replica{n: i + 1, addr: freeAddr(t)}
		c.replicas = append(c.replicas, r)
		backends = append(backends, r.base())
		c.start(r)
	}
	p, err := NewProxy(backends)
	if err != nil {
		t.Fatal(err)
	}
	c.proxy = httptest.NewServer(p)
	t.Cleanup(c.proxy.Close)
	c.webhookEndpoint(rsrv.URL + "/hook")
	return c
}

func (c *testCluster) command(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	return cmd
}

// start starts replica r and waits until it answers /readyz.
func (c *testCluster) start(r *replica) {
	c.t.Helper()
	f, err := os.OpenFile(filepath.Join(c.dir, fmt.Sprintf("replica%d.log", r.n)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := c.command("serve")
	cmd.Env = append(append([]string(nil), c.env...), "VERIWALLET_ADDR="+r.addr)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	r.cmd, r.log, r.done = cmd, f, make(chan struct{})
	go func() { cmd.Wait(); close(r.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(r.base() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-r.done:
			c.t.Fatalf("replica %d exited at start:\n%s", r.n, c.logOf(r))
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.t.Fatalf("replica %d not ready in 60 s:\n%s", r.n, c.logOf(r))
}

func (c *testCluster) logOf(r *replica) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("replica%d.log", r.n)))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (c *testCluster) kill(r *replica) {
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.log.Close()
}

func (c *testCluster) stopAll() {
	for _, r := range c.replicas {
		if r.cmd == nil {
			continue
		}
		select {
		case <-r.done:
			continue
		default:
		}
		r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			c.t.Errorf("replica %d did not stop within 30 s of SIGTERM", r.n)
			c.kill(r)
		}
		r.log.Close()
	}
}

// webhookEndpoint registers the receiver for the verification events,
// through the database the replicas share, with the shared keyring (the
// admin API would need a staff login with TOTP; the row is the same).
func (c *testCluster) webhookEndpoint(u string) {
	c.t.Helper()
	ctx := context.Background()
	kr, err := keys.OpenFile(filepath.Join(c.dir, "keys.json"), "", slog.New(slog.DiscardHandler), rand.Reader)
	if err != nil {
		c.t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, c.dsn, kr)
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	events := []string{verification.WebhookSubmitted, verification.WebhookApproved, verification.WebhookRetryRequired,
		verification.WebhookRejected, verification.WebhookManualReview}
	if _, _, err := webhook.NewService(db.Webhooks(), nil, nil, nil).CreateEndpoint(ctx, u, events); err != nil {
		c.t.Fatal(err)
	}
}

// client talks to the cluster through the proxy (or one replica).
type client struct {
	t     *testing.T
	base  string
	token string
}

func (cl *client) do(method, path, body string, hdr map[string]string, out any) int {
	cl.t.Helper()
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest(method, cl.base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if cl.token != "" {
			req.Header.Set("Authorization", "Bearer "+cl.token)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode == http.StatusBadGateway {
			// A replica died under the request: a client retries (the
			// writes carry an Idempotency-Key where it matters).
			if res != nil {
				res.Body.Close()
			}
			if attempt < 20 {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			cl.t.Fatalf("%s %s: %v", method, path, err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if out != nil {
			json.Unmarshal(raw, out)
		}
		if res.StatusCode >= 300 && !(res.StatusCode == 409 && hdr["Idempotency-Key"] != "") {
			cl.t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		return res.StatusCode
	}
}

func (cl *client) upload(kind string, file []byte) string {
	cl.t.Helper()
	for attempt := 0; ; attempt++ {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", "p.jpg")
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", cl.base+"/api/v1/documents", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+cl.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode == http.StatusBadGateway {
			if attempt < 20 {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			cl.t.Fatalf("upload: %v", err)
		}
		var m struct {
			Document struct{ ID string } `json:"document"`
		}
		json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || m.Document.ID == "" {
			cl.t.Fatalf("upload %s: %d", kind, res.StatusCode)
		}
		return m.Document.ID
	}
}

func newUser(t *testing.T, base string, i int, tag string) *client {
	cl := &client{t: t, base: base}
	email := fmt.Sprintf("%s%d@example.com", tag, i)
	if st := cl.do("POST", "/api/v1/auth/register", `{"email":"`+email+`","password":"cluster password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil, nil); st != 201 {
		t.Fatalf("register: %d", st)
	}
	var login struct{ Token string }
	cl.do("POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"cluster password"}`, nil, &login)
	if login.Token == "" {
		t.Fatal("login gave no token")
	}
	cl.token = login.Token
	cl.do("POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil, nil)
	return cl
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

// photo is applicant i's own card (the same photo on two accounts would be
// a duplicate-image signal).
func photo(t *testing.T, i int, side synth.Side) []byte {
	r := mrand.New(mrand.NewPCG(uint64(i), uint64(len(side))))
	data, err := synth.Encode(synth.Spec{Seed: uint64(i*2 + len(side)), W: 900 + i, H: 675, Side: side,
		CardWidth: 0.62 + 0.15*r.Float64(), CX: 0.42 + 0.16*r.Float64(), CY: 0.42 + 0.16*r.Float64(),
		Angle: -6 + 12*r.Float64(), Background: r.IntN(5), Noise: 0.8, Quality: 85})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
