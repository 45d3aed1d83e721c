// Package webhook sends signed webhooks to the operator's own systems: an
// administrator registers endpoints (a URL and the events it wants), a
// verification decision writes one pending Delivery per subscribed endpoint
// in the same transaction as the decision (the outbox, see
// sqlstore.Webhooks.EnqueueTx), and a background job calls Service.Deliver
// for each, which POSTs the JSON payload, records the attempt and returns an
// error while the endpoint does not answer 2xx so the job queue retries it
// with backoff (RetryDelay). An endpoint's signing secret is generated here,
// shown once on creation and stored encrypted.
//
// # What a delivery looks like
//
//	POST <endpoint URL>
//	Content-Type: application/json
//	Veriwallet-Event: verification.approved
//	Veriwallet-Delivery: whd_… (unique per delivery; the same on every retry)
//	Veriwallet-Signature: t=1764149243,v1=5f0c…
//
//	<payload JSON>
//
// Deliveries are at-least-once: a receiver may see the same
// Veriwallet-Delivery twice (a retry after a timeout, a redelivery) and
// should ignore a delivery id it has processed already. A 2xx answer is
// success; anything else (including redirects, which are not followed) is a
// failure and is retried.
//
// # Verifying a delivery (for receivers)
//
// The secret is the whole string returned when the endpoint was created
// ("whsec_…"); its bytes, as written, are the HMAC key.
//
//  1. Read the raw request body, exactly as received, before any JSON
//     parsing.
//  2. Split the Veriwallet-Signature header on "," and each part on the
//     first "="; take t and every v1.
//  3. Refuse the delivery when t is more than 5 minutes away from your clock
//     (a replay).
//  4. Compute HMAC-SHA256 with the secret over t (the digits as sent), a
//     full stop ".", and the raw body; hex-encode it in lower case.
//  5. Compare it with each v1 in constant time; accept when one matches,
//     answer 2xx quickly, and do the work afterwards.
//
// In Go, with this module:
//
//	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//	if err != nil { … }
//	err = verification.VerifyWebhook([]byte(secret),
//		r.Header.Get("Veriwallet-Signature"), body, time.Now(), 0)
//	if err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
//
// and without it (recipe_test.go checks this copy against the signer):
//
//	func verify(secret string, header string, body []byte, now time.Time) bool {
//		var t string
//		var sigs []string
//		for _, part := range strings.Split(header, ",") {
//			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
//			switch k {
//			case "t":
//				t = v
//			case "v1":
//				sigs = append(sigs, v)
//			}
//		}
//		sec, err := strconv.ParseInt(t, 10, 64)
//		if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
//			return false
//		}
//		m := hmac.New(sha256.New, []byte(secret))
//		m.Write([]byte(t + "."))
//		m.Write(body)
//		want := []byte(hex.EncodeToString(m.Sum(nil)))
//		for _, s := range sigs {
//			if hmac.Equal(want, []byte(s)) {
//				return true
//			}
//		}
//		return false
//	}
//
// Payloads may identify customers: this package never logs them, and the
// SQL adapter stores them encrypted.
package webhook

import (
	"context"
	"encoding/json"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// AllEvents subscribes an endpoint to every event.
const AllEvents = "*"

// MaxPayload is the largest payload a delivery may carry, in bytes: events
// name things (a case id, a status, reason codes), they do not carry them.
const MaxPayload = 64 << 10

// Events lists the events an endpoint can subscribe to, besides AllEvents.
func Events() []string {
	return []string{
		verification.WebhookSubmitted,
		verification.WebhookApproved,
		verification.WebhookRetryRequired,
		verification.WebhookRejected,
		verification.WebhookManualReview,
		// The wallet's (internal/wallet sends them from the ledger's outbox).
		"deposit.credited",
		"transfer.completed",
		"withdrawal.requested",
		"withdrawal.completed",
		"withdrawal.cancelled",
		"account.frozen",
		"account.unfrozen",
	}
}

// KnownEvent reports whether name is an event veriwallet sends (AllEvents
// is not one: it is a subscription, not an event).
func KnownEvent(name string) bool {
	for _, e := range Events() {
		if e == name {
			return true
		}
	}
	return false
}

// Endpoint is a URL the operator's systems receive deliveries on.
type Endpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"` // event names, or just AllEvents
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// Subscribed reports whether e wants event.
func (e Endpoint) Subscribed(event string) bool {
	for _, s := range e.Events {
		if s == event || s == AllEvents {
			return true
		}
	}
	return false
}

// Status is where a delivery stands.
type Status string

// The delivery statuses.
const (
	StatusPending   Status = "pending"   // waiting for its (next) attempt
	StatusDelivered Status = "delivered" // the endpoint answered 2xx
	StatusFailed    Status = "failed"    // given up (MaxAttempts, or the endpoint was deleted)
)

// Delivery is one event sent (or to be sent) to one endpoint.
type Delivery struct {
	ID             string          `json:"id"`
	EndpointID     string          `json:"endpoint_id"`
	Event          string          `json:"event"`
	Payload        json.RawMessage `json:"payload"` // JSON; may identify a customer: never log it
	Attempts       int             `json:"attempts"`
	Status         Status          `json:"status"`
	LastStatusCode int             `json:"last_status_code,omitempty"` // 0: no HTTP answer
	LastError      string          `json:"last_error,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	DeliveredAt    time.Time       `json:"delivered_at,omitzero"`
	NextAttemptAt  time.Time       `json:"next_attempt_at,omitzero"` // zero unless pending
}

// Attempt is the outcome of one delivery attempt, for Store.RecordAttempt.
type Attempt struct {
	At            time.Time
	StatusCode    int    // 0 when no HTTP answer came
	Error         string // short, "" on success
	Status        Status // the delivery's status after this attempt
	NextAttemptAt time.Time
}

// Store persists endpoints and deliveries. Every method is one transaction.
// Deleted endpoints are invisible to every endpoint method (NotFound), but
// their deliveries remain readable through Delivery.
type Store interface {
	// CreateEndpoint stores e with its signing secret (which the adapter
	// encrypts).
	CreateEndpoint(ctx context.Context, e Endpoint, secret string) error
	// Endpoints lists the endpoints that are not deleted, oldest first.
	Endpoints(ctx context.Context) ([]Endpoint, error)
	// Endpoint returns one endpoint. Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
	Endpoint(ctx context.Context, id string) (Endpoint, error)
	// SetEndpointDisabled disables or enables an endpoint and returns the
	// ids of its pending deliveries, oldest first.
	// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
	SetEndpointDisabled(ctx context.Context, id string, disabled bool) (pending []string, err error)
	// DeleteEndpoint deletes an endpoint: it forgets its secret and marks
	// its pending deliveries failed. Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
	DeleteEndpoint(ctx context.Context, id string, at time.Time) error
	// EndpointSecret returns an endpoint's signing secret.
	// Errors: NotFound WEBHOOK_ENDPOINT_NOT_FOUND.
	EndpointSecret(ctx context.Context, id string) (string, error)
	// Delivery returns one delivery. Errors: NotFound WEBHOOK_DELIVERY_NOT_FOUND.
	Delivery(ctx context.Context, id string) (Delivery, error)
	// Deliveries lists an endpoint's deliveries, newest first, at most limit.
	Deliveries(ctx context.Context, endpointID string, limit int) ([]Delivery, error)
	// RecordAttempt counts one more attempt of a delivery and stores its
	// outcome. Errors: NotFound WEBHOOK_DELIVERY_NOT_FOUND.
	RecordAttempt(ctx context.Context, deliveryID string, a Attempt) error
	// ResetDelivery makes a delivery pending again, due at, with its
	// attempts counted from zero (the last attempt's status code and error
	// stay until the next attempt). Errors: NotFound WEBHOOK_DELIVERY_NOT_FOUND.
	ResetDelivery(ctx context.Context, deliveryID string, at time.Time) error
}

// The errors of this package (beyond the validation errors of ValidateURL
// and ValidateEvents).
var (
	ErrEndpointNotFound = errs.New(errs.NotFound, "WEBHOOK_ENDPOINT_NOT_FOUND",
		"No such webhook endpoint.", "Webhook 端点不存在。")
	ErrDeliveryNotFound = errs.New(errs.NotFound, "WEBHOOK_DELIVERY_NOT_FOUND",
		"No such webhook delivery.", "Webhook 投递记录不存在。")
	ErrEndpointDisabled = errs.New(errs.Conflict, "WEBHOOK_ENDPOINT_DISABLED",
		"This webhook endpoint is disabled. Enable it before redelivering.", "该 Webhook 端点已停用，请先启用再重新投递。")
)
