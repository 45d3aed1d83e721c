package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Delivery tuning.
const (
	// Timeout bounds one attempt: connecting, sending and the answer's headers.
	Timeout = 10 * time.Second
	// MaxAttempts is how many failed attempts a delivery gets before it is
	// marked failed (about 17 hours with RetryDelay).
	MaxAttempts = 12
	// maxErrorBody is how much of a failed answer's body is kept in LastError.
	maxErrorBody = 200
	// drainLimit is how much of an answer is read so the connection can be reused.
	drainLimit = 64 << 10
	// recordTimeout bounds recording an attempt after the request ended.
	recordTimeout = 5 * time.Second
	// Deliveries lists at most this many, and this many when asked for none.
	maxListLimit     = 100
	defaultListLimit = 50
)

// The errors Deliver returns while a delivery is not delivered (kind
// Unavailable, so the job queue retries it). GaveUp means the delivery has
// just been marked failed after MaxAttempts: the job can stop retrying
// (errs.Is(err, "WEBHOOK_DELIVERY_GAVE_UP")); another run would do nothing.
var (
	ErrDeliveryFailed = errs.New(errs.Unavailable, "WEBHOOK_DELIVERY_FAILED",
		"The webhook endpoint did not accept the delivery; it will be retried.",
		"Webhook 端点未接受本次投递，稍后将重试。")
	ErrDeliveryGaveUp = errs.New(errs.Unavailable, "WEBHOOK_DELIVERY_GAVE_UP",
		"The webhook endpoint did not accept the delivery after every retry; it is marked failed and can be redelivered.",
		"多次重试后 Webhook 端点仍未接受投递，已标记为失败，可手动重新投递。")
)

// RetryDelay is how long to wait after a delivery's n-th failed attempt:
// 30 s, doubling each time, at most 12 h. The job queue should use it (its
// own jitter on top is fine); NextAttemptAt shows it.
func RetryDelay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 12 {
		return 12 * time.Hour
	}
	return min(30*time.Second<<(n-1), 12*time.Hour)
}

// Service is the webhook use cases: endpoint administration and delivery.
type Service struct {
	store  Store
	client *http.Client
	now    func() time.Time
	rand   io.Reader
}

// NewService returns a Service over store. client, now and rnd may be nil
// (a client with Timeout, time.Now, crypto/rand). Redirects are never
// followed, whatever client is given: a 3xx answer is a failed attempt.
func NewService(store Store, client *http.Client, now func() time.Time, rnd io.Reader) *Service {
	var c http.Client
	if client != nil {
		c = *client
	} else {
		c.Timeout = Timeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &Service{store: store, client: &c, now: now, rand: rnd}
}

func (s *Service) random(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", errs.Internalf("random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateEndpoint registers an endpoint for events (see Events; AllEvents
// for all) and returns it with its signing secret ("whsec_" and 43
// characters: 32 random bytes). The secret is shown this once: it is stored
// encrypted and never returned again.
//
// Errors: the Invalid errors of ValidateURL and ValidateEvents.
func (s *Service) CreateEndpoint(ctx context.Context, rawURL string, events []string) (Endpoint, string, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return Endpoint{}, "", err
	}
	evs, err := ValidateEvents(events)
	if err != nil {
		return Endpoint{}, "", err
	}
	id, err := s.random("whe_", 12)
	if err != nil {
		return Endpoint{}, "", err
	}
	secret, err := s.random("whsec_", 32)
	if err != nil {
		return Endpoint{}, "", err
	}
	e := Endpoint{ID: id, URL: u, Events: evs, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateEndpoint(ctx, e, secret); err != nil {
		return Endpoint{}, "", err
	}
	return e, secret, nil
}

// List returns the endpoints, oldest first.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) {
	return s.store.Endpoints(ctx)
}

// Endpoint returns one endpoint. Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
func (s *Service) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	return s.store.Endpoint(ctx, id)
}

// Disable stops deliveries to an endpoint: no new deliveries are made for
// it, and its pending ones wait, untried, until it is enabled.
// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
func (s *Service) Disable(ctx context.Context, id string) error {
	_, err := s.store.SetEndpointDisabled(ctx, id, true)
	return err
}

// Enable resumes deliveries to an endpoint and returns the ids of its
// pending deliveries: the caller enqueues a Deliver job for each (their
// earlier jobs ended while the endpoint was disabled).
// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
func (s *Service) Enable(ctx context.Context, id string) ([]string, error) {
	return s.store.SetEndpointDisabled(ctx, id, false)
}

// Delete deletes an endpoint: its secret is forgotten, its pending
// deliveries are marked failed, and it receives nothing more.
// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
func (s *Service) Delete(ctx context.Context, id string) error {
	return s.store.DeleteEndpoint(ctx, id, s.now())
}

// Deliveries lists an endpoint's deliveries, newest first: limit of them
// (50 when limit ≤ 0, at most 100).
// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
func (s *Service) Deliveries(ctx context.Context, endpointID string, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	if _, err := s.store.Endpoint(ctx, endpointID); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, endpointID, limit)
}

// Delivery returns one delivery. Errors: NotFound WEBHOOK_DELIVERY_NOT_FOUND.
func (s *Service) Delivery(ctx context.Context, id string) (Delivery, error) {
	return s.store.Delivery(ctx, id)
}

// Redeliver makes a delivery pending again, whatever its status, with a
// fresh count of attempts; the caller then enqueues a job that calls
// Deliver. Errors: NotFound WEBHOOK_DELIVERY_NOT_FOUND,
// WEBHOOK_ENDPOINT_NOT_FOUND (the endpoint was deleted); Conflict
// WEBHOOK_ENDPOINT_DISABLED.
func (s *Service) Redeliver(ctx context.Context, deliveryID string) error {
	d, err := s.store.Delivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	e, err := s.store.Endpoint(ctx, d.EndpointID)
	if err != nil {
		return err
	}
	if e.Disabled {
		return ErrEndpointDisabled
	}
	return s.store.ResetDelivery(ctx, deliveryID, s.now())
}

// Deliver makes one attempt at a pending delivery: it POSTs the payload,
// signed with the endpoint's secret, and records the attempt. It returns nil
// when the endpoint answered 2xx, and also when there is nothing to do (no
// such delivery, not pending, endpoint deleted or disabled). Otherwise it
// returns ErrDeliveryFailed (retry it after RetryDelay(attempts)), or
// ErrDeliveryGaveUp after the MaxAttempts-th failure, or the store's error.
// When ctx ends during the request, the attempt is not counted and the
// context's error is returned.
//
// Deliveries are at-least-once: if recording a successful attempt fails,
// the error makes the queue send it again.
func (s *Service) Deliver(ctx context.Context, deliveryID string) error {
	d, err := s.store.Delivery(ctx, deliveryID)
	if errs.Is(err, ErrDeliveryNotFound.Code) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status != StatusPending {
		return nil
	}
	e, err := s.store.Endpoint(ctx, d.EndpointID)
	if errs.Is(err, ErrEndpointNotFound.Code) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Disabled {
		return nil
	}
	secret, err := s.store.EndpointSecret(ctx, e.ID)
	if errs.Is(err, ErrEndpointNotFound.Code) {
		return nil
	}
	if err != nil {
		return err
	}

	code, short, detail := s.post(ctx, e.URL, d, secret)
	if code == 0 && ctx.Err() != nil {
		// Our own shutdown or deadline, not the endpoint's fault.
		return errs.New(errs.Unavailable, "CANCELED", "The delivery was interrupted; it will be retried.", "投递被中断，稍后将重试。").Wrap(ctx.Err())
	}
	at := s.now()
	a := Attempt{At: at, StatusCode: code, Error: detail}
	var result error
	switch {
	case code >= 200 && code < 300:
		a.Status, a.Error = StatusDelivered, ""
	case d.Attempts+1 >= MaxAttempts:
		a.Status = StatusFailed
		result = ErrDeliveryGaveUp.Wrap(fmt.Errorf("delivery %s: %s", d.ID, short))
	default:
		a.Status = StatusPending
		a.NextAttemptAt = at.Add(RetryDelay(d.Attempts + 1))
		result = ErrDeliveryFailed.Wrap(fmt.Errorf("delivery %s: %s", d.ID, short))
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.store.RecordAttempt(rctx, d.ID, a); err != nil {
		return err
	}
	return result
}

// post sends one attempt. It returns the HTTP status (0 without an answer),
// a short reason fit for logs (no body content) and the reason to store
// (with at most maxErrorBody bytes of a failed answer's body).
func (s *Service) post(ctx context.Context, url string, d Delivery, secret string) (code int, short, detail string) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "invalid request", "invalid request: " + clean(err.Error(), 200)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "veriwallet-webhooks/1")
	req.Header.Set("Veriwallet-Event", d.Event)
	req.Header.Set("Veriwallet-Delivery", d.ID)
	req.Header.Set(verification.WebhookHeader, verification.SignWebhook([]byte(secret), s.now(), d.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		r := describe(err)
		return 0, r, r
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		return resp.StatusCode, "", ""
	}
	head := make([]byte, maxErrorBody)
	n, _ := io.ReadFull(resp.Body, head)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	short = "HTTP " + strconv.Itoa(resp.StatusCode)
	detail = short
	if b := clean(string(head[:n]), maxErrorBody); b != "" {
		detail += ": " + b
	}
	return resp.StatusCode, short, detail
}

// describe names a transport failure briefly, without the URL (whose
// query may hold a token).
func describe(err error) string {
	var ne net.Error
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "DNS: no such host"
		}
		return "DNS lookup failed"
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &host):
		return "TLS certificate not trusted"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer"
	}
	// Drop *url.Error's "Post \"<url>\": " prefix.
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	return clean(err.Error(), 200)
}

// clean makes s printable, one line, valid UTF-8, at most n bytes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "�")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8ValidEnd(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// utf8ValidEnd reports whether s does not end inside a multi-byte rune.
func utf8ValidEnd(s string) bool { return strings.ToValidUTF8(s, "") == s }
