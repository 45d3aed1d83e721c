package webhook_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// clock is a settable now().
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is an operator's endpoint: it verifies each delivery's
// signature as a receiver must, and answers with status().
type receiver struct {
	t      *testing.T
	secret string
	clock  *clock
	status atomic.Int32
	body   string // answered on failures
	mu     sync.Mutex
	got    []received
}

type received struct {
	header http.Header
	body   []byte
	sigErr error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
	}
	sigErr := verification.VerifyWebhook([]byte(rc.secret), r.Header.Get("Veriwallet-Signature"), body, rc.clock.Now(), 0)
	rc.mu.Lock()
	rc.got = append(rc.got, received{header: r.Header.Clone(), body: body, sigErr: sigErr})
	rc.mu.Unlock()
	if sigErr != nil || r.Method != http.MethodPost {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	code := int(rc.status.Load())
	w.WriteHeader(code)
	if code >= 300 {
		io.WriteString(w, rc.body)
	}
}

func (rc *receiver) count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.got) }
func (rc *receiver) last() received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[len(rc.got)-1]
}

type fixture struct {
	svc   *webhook.Service
	store *memStore
	clock *clock
}

func newFixture(t *testing.T, client *http.Client) *fixture {
	c := &clock{t: t0}
	st := newMemStore()
	return &fixture{svc: webhook.NewService(st, client, c.Now, nil), store: st, clock: c}
}

// endpoint registers url for events and a pending delivery of event to it.
func (f *fixture) endpoint(t *testing.T, url string, event string) (webhook.Endpoint, string, string) {
	t.Helper()
	e, secret, err := f.svc.CreateEndpoint(context.Background(), url, []string{event})
	if err != nil {
		t.Fatal(err)
	}
	id := "whd_" + e.ID
	f.store.enqueue(id, e.ID, event, []byte(`{"case_id":"cas_1","status":"approved"}`), f.clock.Now())
	return e, secret, id
}

func (f *fixture) delivery(t *testing.T, id string) webhook.Delivery {
	t.Helper()
	d, err := f.svc.Delivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// serve starts a receiver; its secret is set once the endpoint exists.
func serve(t *testing.T, f *fixture) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, clock: f.clock}
	rc.status.Store(http.StatusNoContent)
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func TestDeliverSignedHappyPath(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	rc, srv := serve(t, f)
	e, secret, id := f.endpoint(t, srv.URL+"/hooks", verification.WebhookApproved)
	rc.secret = secret
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+43 {
		t.Fatalf("secret %q: want whsec_ and 43 characters", secret)
	}

	if err := f.svc.Deliver(ctx, id); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if rc.count() != 1 {
		t.Fatalf("receiver got %d requests, want 1", rc.count())
	}
	got := rc.last()
	if got.sigErr != nil {
		t.Fatalf("signature does not verify: %v", got.sigErr)
	}
	if string(got.body) != `{"case_id":"cas_1","status":"approved"}` {
		t.Errorf("body %s", got.body)
	}
	for k, want := range map[string]string{
		"Content-Type":        "application/json",
		"Veriwallet-Event":    verification.WebhookApproved,
		"Veriwallet-Delivery": id,
	} {
		if v := got.header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if want := "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v1="; !strings.HasPrefix(got.header.Get("Veriwallet-Signature"), want) {
		t.Errorf("signature %q, want prefix %q", got.header.Get("Veriwallet-Signature"), want)
	}
	// The wrong secret does not verify the same request.
	if verification.VerifyWebhook([]byte(secret+"x"), got.header.Get("Veriwallet-Signature"), got.body, t0, 0) == nil {
		t.Error("another secret verifies the delivery")
	}

	d := f.delivery(t, id)
	if d.Status != webhook.StatusDelivered || d.Attempts != 1 || d.LastStatusCode != 204 || d.LastError != "" ||
		!d.DeliveredAt.Equal(t0) || !d.NextAttemptAt.IsZero() {
		t.Errorf("after delivery: %+v", d)
	}

	// A second run of the job (at-least-once queue) sends nothing more.
	if err := f.svc.Deliver(ctx, id); err != nil || rc.count() != 1 {
		t.Errorf("Deliver again: %v, %d requests", err, rc.count())
	}
	// The secret is not in the listing.
	list, err := f.svc.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != e.ID || list[0].URL != srv.URL+"/hooks" {
		t.Errorf("List: %+v, %v", list, err)
	}
}

// reserveAddr returns a local address nothing listens on (for now).
func reserveAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestDeliverReceiverDownThenUp(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	addr := reserveAddr(t)
	_, secret, id := f.endpoint(t, "http://"+addr+"/hooks", verification.WebhookRejected)

	// Down: connection refused.
	err := f.svc.Deliver(ctx, id)
	if !errs.Is(err, "WEBHOOK_DELIVERY_FAILED") || errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("Deliver to a closed port: %v, want WEBHOOK_DELIVERY_FAILED", err)
	}
	d := f.delivery(t, id)
	if d.Status != webhook.StatusPending || d.Attempts != 1 || d.LastStatusCode != 0 || d.LastError != "connection refused" ||
		!d.NextAttemptAt.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("after refused: %+v", d)
	}

	// Up, but failing with 500 and a long body.
	f.clock.Add(30 * time.Second)
	rc := &receiver{t: t, clock: f.clock, secret: secret, body: strings.Repeat("x", 200) + "TAIL-NOT-STORED"}
	rc.status.Store(http.StatusInternalServerError)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(rc)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)

	err = f.svc.Deliver(ctx, id)
	if !errs.Is(err, "WEBHOOK_DELIVERY_FAILED") {
		t.Fatalf("Deliver to a 500: %v", err)
	}
	if strings.Contains(err.Error(), "xxx") {
		t.Errorf("the returned error (which gets logged) carries the answer's body: %v", err)
	}
	d = f.delivery(t, id)
	if d.Status != webhook.StatusPending || d.Attempts != 2 || d.LastStatusCode != 500 ||
		d.LastError != "HTTP 500: "+strings.Repeat("x", 200) || !d.NextAttemptAt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("after 500: %+v", d)
	}
	if rc.last().sigErr != nil {
		t.Fatalf("signature: %v", rc.last().sigErr)
	}

	// Up and well: the retry delivers.
	f.clock.Add(time.Minute)
	rc.status.Store(http.StatusOK)
	if err := f.svc.Deliver(ctx, id); err != nil {
		t.Fatalf("retry: %v", err)
	}
	d = f.delivery(t, id)
	if d.Status != webhook.StatusDelivered || d.Attempts != 3 || d.LastStatusCode != 200 || d.LastError != "" || !d.DeliveredAt.Equal(f.clock.Now()) {
		t.Fatalf("after retry: %+v", d)
	}
	if rc.count() != 2 {
		t.Errorf("receiver got %d requests, want 2", rc.count())
	}

	// Redeliver sends a delivered one again, with the same delivery id.
	if err := f.svc.Redeliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if d := f.delivery(t, id); d.Status != webhook.StatusPending || d.Attempts != 0 || !d.DeliveredAt.IsZero() {
		t.Fatalf("after Redeliver: %+v", d)
	}
	if err := f.svc.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if rc.count() != 3 || rc.last().header.Get("Veriwallet-Delivery") != id {
		t.Errorf("redelivery: %d requests", rc.count())
	}
}

func TestDeliverGivesUpThenRedelivers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	rc, srv := serve(t, f)
	rc.status.Store(http.StatusServiceUnavailable)
	_, secret, id := f.endpoint(t, srv.URL, verification.WebhookApproved)
	rc.secret = secret

	for i := 1; i <= webhook.MaxAttempts; i++ {
		err := f.svc.Deliver(ctx, id)
		want := "WEBHOOK_DELIVERY_FAILED"
		if i == webhook.MaxAttempts {
			want = "WEBHOOK_DELIVERY_GAVE_UP"
		}
		if !errs.Is(err, want) {
			t.Fatalf("attempt %d: %v, want %s", i, err, want)
		}
		f.clock.Add(webhook.RetryDelay(i))
	}
	d := f.delivery(t, id)
	if d.Status != webhook.StatusFailed || d.Attempts != webhook.MaxAttempts || d.LastStatusCode != 503 || !d.NextAttemptAt.IsZero() {
		t.Fatalf("after giving up: %+v", d)
	}
	// A failed delivery is not retried by a stray job run.
	if err := f.svc.Deliver(ctx, id); err != nil || rc.count() != webhook.MaxAttempts {
		t.Fatalf("Deliver on failed: %v, %d requests", err, rc.count())
	}
	// An administrator redelivers once the receiver is fixed.
	rc.status.Store(http.StatusOK)
	if err := f.svc.Redeliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if d := f.delivery(t, id); d.Status != webhook.StatusDelivered || d.Attempts != 1 {
		t.Fatalf("after redelivery: %+v", d)
	}
}

func TestDeliverFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		client  *http.Client
		code    int
		errText string
		tls     bool
	}{
		{"redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, nil, 302, "HTTP 302", false},
		{"client error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
		}, nil, 400, "HTTP 400", false},
		{"control characters in the answer are flattened", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "line1\r\n\tline2\x1b[31m")
		}, nil, 418, "HTTP 418: line1 line2 [31m", false},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, &http.Client{Timeout: 100 * time.Millisecond}, 0, "timed out", false},
		{"hang up", func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		}, nil, 0, "connection closed without an answer", false},
		{"untrusted certificate", func(w http.ResponseWriter, r *http.Request) {}, nil, 0, "TLS certificate not trusted", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.client)
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused TLS handshake
			if tt.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			_, _, id := f.endpoint(t, srv.URL+"/hook", verification.WebhookSubmitted)
			if err := f.svc.Deliver(context.Background(), id); !errs.Is(err, "WEBHOOK_DELIVERY_FAILED") {
				t.Fatalf("Deliver: %v", err)
			}
			d := f.delivery(t, id)
			if d.LastStatusCode != tt.code || d.LastError != tt.errText || d.Attempts != 1 || d.Status != webhook.StatusPending {
				t.Errorf("got %d %q (%+v), want %d %q", d.LastStatusCode, d.LastError, d, tt.code, tt.errText)
			}
		})
	}
}

func TestDeliverNothingToDo(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	rc, srv := serve(t, f)

	if err := f.svc.Deliver(ctx, "whd_nope"); err != nil {
		t.Errorf("unknown delivery: %v", err)
	}

	disabled, secret, dID := f.endpoint(t, srv.URL, verification.WebhookApproved)
	rc.secret = secret
	if err := f.svc.Disable(ctx, disabled.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deliver(ctx, dID); err != nil {
		t.Errorf("disabled endpoint: %v", err)
	}
	if d := f.delivery(t, dID); d.Status != webhook.StatusPending || d.Attempts != 0 {
		t.Errorf("disabled endpoint's delivery changed: %+v", d)
	}
	if err := f.svc.Redeliver(ctx, dID); !errs.Is(err, "WEBHOOK_ENDPOINT_DISABLED") {
		t.Errorf("Redeliver to a disabled endpoint: %v", err)
	}
	// Enabling hands back the waiting delivery to enqueue; it then goes out.
	pending, err := f.svc.Enable(ctx, disabled.ID)
	if err != nil || len(pending) != 1 || pending[0] != dID {
		t.Fatalf("Enable: %q, %v; want [%s]", pending, err, dID)
	}
	if err := f.svc.Deliver(ctx, dID); err != nil || rc.count() != 1 {
		t.Errorf("Deliver after Enable: %v, %d requests", err, rc.count())
	}
	if err := f.svc.Disable(ctx, "whe_nope"); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
		t.Errorf("Disable unknown: %v", err)
	}

	deleted, _, xID := f.endpoint(t, srv.URL, verification.WebhookApproved)
	if err := f.svc.Delete(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deliver(ctx, xID); err != nil {
		t.Errorf("deleted endpoint: %v", err)
	}
	if d := f.delivery(t, xID); d.Status != webhook.StatusFailed || d.LastError != "endpoint deleted" {
		t.Errorf("deleted endpoint's delivery: %+v", d)
	}
	if err := f.svc.Redeliver(ctx, xID); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
		t.Errorf("Redeliver to a deleted endpoint: %v", err)
	}
	if err := f.svc.Delete(ctx, deleted.ID); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
		t.Errorf("Delete twice: %v", err)
	}
	if _, err := f.svc.Deliveries(ctx, deleted.ID, 10); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
		t.Errorf("Deliveries of a deleted endpoint: %v", err)
	}
	if err := f.svc.Redeliver(ctx, "whd_nope"); !errs.Is(err, "WEBHOOK_DELIVERY_NOT_FOUND") {
		t.Errorf("Redeliver unknown: %v", err)
	}

	if rc.count() != 1 {
		t.Errorf("receiver got %d requests, want only the one after Enable", rc.count())
	}
}

func TestDeliverCanceledIsNotCounted(t *testing.T) {
	f := newFixture(t, nil)
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // lets the server notice the client hanging up
		close(started)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	_, _, id := f.endpoint(t, srv.URL, verification.WebhookApproved)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	err := f.svc.Deliver(ctx, id)
	if err == nil || errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("Deliver canceled: %v", err)
	}
	if d := f.delivery(t, id); d.Attempts != 0 || d.Status != webhook.StatusPending {
		t.Errorf("a canceled attempt was counted: %+v", d)
	}
}

func TestCreateEndpoint(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	e1, s1, err := f.svc.CreateEndpoint(ctx, " HTTPS://Example.com/a ", []string{"*", "verification.approved"})
	if err != nil {
		t.Fatal(err)
	}
	e2, s2, err := f.svc.CreateEndpoint(ctx, "https://example.com/b", webhook.Events())
	if err != nil {
		t.Fatal(err)
	}
	if e1.URL != "https://example.com/a" || len(e1.Events) != 1 || e1.Events[0] != "*" || !e1.CreatedAt.Equal(t0) || e1.Disabled {
		t.Errorf("endpoint %+v", e1)
	}
	if e1.ID == e2.ID || s1 == s2 || !strings.HasPrefix(e1.ID, "whe_") {
		t.Errorf("ids %s %s, secrets equal: %v", e1.ID, e2.ID, s1 == s2)
	}
	if got, _ := f.store.EndpointSecret(ctx, e1.ID); got != s1 {
		t.Error("stored secret differs from the one returned")
	}
	for _, tt := range []struct {
		url    string
		events []string
		code   string
	}{
		{"ftp://example.com", []string{"*"}, "WEBHOOK_URL_SCHEME"},
		{"https://example.com", nil, "WEBHOOK_EVENTS_EMPTY"},
		{"https://example.com", []string{"x"}, "WEBHOOK_EVENT_UNKNOWN"},
	} {
		if _, s, err := f.svc.CreateEndpoint(ctx, tt.url, tt.events); !errs.Is(err, tt.code) || s != "" {
			t.Errorf("CreateEndpoint(%q, %q) = %q, %v; want %s", tt.url, tt.events, s, err, tt.code)
		}
	}
	if list, _ := f.svc.List(ctx); len(list) != 2 {
		t.Errorf("List: %d endpoints after refused creations, want 2", len(list))
	}
	// A failing random source fails creation instead of making a weak secret.
	bad := webhook.NewService(newMemStore(), nil, nil, strings.NewReader("short"))
	if _, _, err := bad.CreateEndpoint(ctx, "https://example.com", []string{"*"}); errs.KindOf(err) != errs.Internal || err == nil {
		t.Errorf("with a broken random source: %v", err)
	}
}

func TestDeliveriesLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	e, _, _ := f.endpoint(t, "https://example.com", verification.WebhookApproved)
	for i := range 120 {
		f.store.enqueue("whd_"+string(rune('a'+i%26))+strings.Repeat("x", i/26), e.ID, verification.WebhookApproved, []byte(`{}`), t0)
	}
	for _, tt := range []struct{ limit, want int }{{0, 50}, {-3, 50}, {7, 7}, {100, 100}, {1000, 100}} {
		got, err := f.svc.Deliveries(ctx, e.ID, tt.limit)
		if err != nil || len(got) != tt.want {
			t.Errorf("Deliveries(limit %d) = %d, %v; want %d", tt.limit, len(got), err, tt.want)
		}
	}
	if _, err := f.svc.Deliveries(ctx, "whe_nope", 10); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
		t.Errorf("unknown endpoint: %v", err)
	}
}
