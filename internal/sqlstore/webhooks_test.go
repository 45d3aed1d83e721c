package sqlstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

var whT0 = time.Date(2026, 11, 26, 10, 0, 0, 123456000, time.UTC)

// enqueue runs EnqueueTx in its own transaction, committed unless rollback.
func enqueue(t *testing.T, db *sqlstore.DB, event, payload string, at time.Time, rollback bool) []string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.Webhooks().EnqueueTx(ctx, tx, event, []byte(payload), at)
	if err != nil {
		_ = tx.Rollback()
		t.Fatalf("EnqueueTx(%s): %v", event, err)
	}
	if rollback {
		err = tx.Rollback()
	} else {
		err = tx.Commit()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func rawText(t *testing.T, db *sqlstore.DB, q, id string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWebhooksStore(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			w := db.Webhooks()

			eps := []webhook.Endpoint{
				{ID: "whe_all", URL: "https://a.example/hook", Events: []string{"*"}, CreatedAt: whT0},
				{ID: "whe_approved", URL: "https://b.example/hook?k=1", Events: []string{verification.WebhookApproved, verification.WebhookRejected}, CreatedAt: whT0.Add(time.Second)},
				{ID: "whe_rejected", URL: "http://c.internal:8080/", Events: []string{verification.WebhookRejected}, CreatedAt: whT0.Add(2 * time.Second)},
				{ID: "whe_off", URL: "https://d.example/", Events: []string{"*"}, CreatedAt: whT0.Add(3 * time.Second)},
			}
			for _, e := range eps {
				if err := w.CreateEndpoint(ctx, e, "whsec_secret-of-"+e.ID); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.CreateEndpoint(ctx, eps[0], "again"); errs.KindOf(err) != errs.Conflict {
				t.Errorf("duplicate id: %v, want Conflict", err)
			}
			if _, err := w.SetEndpointDisabled(ctx, "whe_off", true); err != nil {
				t.Fatal(err)
			}
			eps[3].Disabled = true
			if _, err := w.SetEndpointDisabled(ctx, "whe_nope", true); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("SetEndpointDisabled unknown: %v", err)
			}

			list, err := w.Endpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != len(eps) {
				t.Fatalf("Endpoints: %d, want %d", len(list), len(eps))
			}
			for i := range eps {
				g, e := list[i], eps[i]
				if g.ID != e.ID || g.URL != e.URL || !slices.Equal(g.Events, e.Events) || !g.CreatedAt.Equal(e.CreatedAt) ||
					g.CreatedAt.Location() != time.UTC || g.Disabled != e.Disabled {
					t.Errorf("endpoint %d: %+v, want %+v", i, g, e)
				}
			}
			if e, err := w.Endpoint(ctx, "whe_approved"); err != nil || e.URL != eps[1].URL {
				t.Errorf("Endpoint: %+v, %v", e, err)
			}
			if _, err := w.Endpoint(ctx, "whe_nope"); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("Endpoint unknown: %v", err)
			}
			if s, err := w.EndpointSecret(ctx, "whe_rejected"); err != nil || s != "whsec_secret-of-whe_rejected" {
				t.Errorf("EndpointSecret: %q, %v", s, err)
			}
			if raw := rawText(t, db, `SELECT secret_enc FROM webhook_endpoints WHERE id = $1`, "whe_all"); strings.Contains(raw, "secret-of") || raw == "" {
				t.Errorf("secret stored in plaintext: %q", raw)
			}

			// The outbox: only enabled endpoints subscribed to the event (or to all).
			approved := enqueue(t, db, verification.WebhookApproved, `{"case_id":"cas_1","name":"张三"}`, whT0, false)
			rejected := enqueue(t, db, verification.WebhookRejected, `{"case_id":"cas_2"}`, whT0.Add(time.Minute), false)
			submitted := enqueue(t, db, verification.WebhookSubmitted, `{"case_id":"cas_3"}`, whT0.Add(2*time.Minute), false)
			rolledBack := enqueue(t, db, verification.WebhookManualReview, `{"case_id":"cas_4"}`, whT0, true)
			targets := func(ids []string) []string {
				var out []string
				for _, id := range ids {
					d, err := w.Delivery(ctx, id)
					if err != nil {
						t.Fatalf("Delivery(%s): %v", id, err)
					}
					out = append(out, d.EndpointID)
				}
				return out
			}
			for _, tt := range []struct {
				name string
				ids  []string
				want []string
			}{
				{"approved", approved, []string{"whe_all", "whe_approved"}},
				{"rejected", rejected, []string{"whe_all", "whe_approved", "whe_rejected"}},
				{"submitted", submitted, []string{"whe_all"}},
			} {
				if got := targets(tt.ids); !slices.Equal(got, tt.want) {
					t.Errorf("%s went to %q, want %q", tt.name, got, tt.want)
				}
			}
			if len(rolledBack) != 1 {
				t.Fatalf("rolled back enqueue returned %d ids, want 1", len(rolledBack))
			}
			if _, err := w.Delivery(ctx, rolledBack[0]); !errs.Is(err, "WEBHOOK_DELIVERY_NOT_FOUND") {
				t.Errorf("a rolled-back delivery exists: %v", err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.EnqueueTx(ctx, tx, "payment.sent", []byte(`{}`), whT0); err == nil {
				t.Error("EnqueueTx accepted an unknown event")
			}
			if _, err := w.EnqueueTx(ctx, tx, verification.WebhookApproved, []byte(`{"oops"`), whT0); err == nil {
				t.Error("EnqueueTx accepted a payload that is not JSON")
			}
			huge := []byte(`"` + strings.Repeat("x", webhook.MaxPayload) + `"`)
			if _, err := w.EnqueueTx(ctx, tx, verification.WebhookApproved, huge, whT0); err == nil {
				t.Error("EnqueueTx accepted a payload over MaxPayload")
			}
			_ = tx.Rollback()

			d, err := w.Delivery(ctx, approved[0])
			if err != nil {
				t.Fatal(err)
			}
			if d.Event != verification.WebhookApproved || string(d.Payload) != `{"case_id":"cas_1","name":"张三"}` || d.Status != webhook.StatusPending ||
				d.Attempts != 0 || d.LastStatusCode != 0 || d.LastError != "" || !d.CreatedAt.Equal(whT0) || !d.NextAttemptAt.Equal(whT0) || !d.DeliveredAt.IsZero() {
				t.Errorf("new delivery: %+v", d)
			}
			if raw := rawText(t, db, `SELECT payload_enc FROM webhook_deliveries WHERE id = $1`, d.ID); strings.Contains(raw, "cas_1") {
				t.Errorf("payload stored in plaintext: %q", raw)
			}

			// Attempts.
			id := approved[0]
			next := whT0.Add(30 * time.Second)
			if err := w.RecordAttempt(ctx, id, webhook.Attempt{At: whT0, StatusCode: 500, Error: "HTTP 500: 坏了", Status: webhook.StatusPending, NextAttemptAt: next}); err != nil {
				t.Fatal(err)
			}
			if d, _ := w.Delivery(ctx, id); d.Attempts != 1 || d.Status != webhook.StatusPending || d.LastStatusCode != 500 || d.LastError != "HTTP 500: 坏了" || !d.NextAttemptAt.Equal(next) {
				t.Errorf("after a failed attempt: %+v", d)
			}
			at := whT0.Add(31 * time.Second)
			if err := w.RecordAttempt(ctx, id, webhook.Attempt{At: at, StatusCode: 200, Status: webhook.StatusDelivered}); err != nil {
				t.Fatal(err)
			}
			if d, _ := w.Delivery(ctx, id); d.Attempts != 2 || d.Status != webhook.StatusDelivered || d.LastStatusCode != 200 || d.LastError != "" ||
				!d.DeliveredAt.Equal(at) || !d.NextAttemptAt.IsZero() {
				t.Errorf("after delivery: %+v", d)
			}
			if err := w.RecordAttempt(ctx, "whd_nope", webhook.Attempt{At: at, Status: webhook.StatusFailed}); !errs.Is(err, "WEBHOOK_DELIVERY_NOT_FOUND") {
				t.Errorf("RecordAttempt unknown: %v", err)
			}
			if err := w.RecordAttempt(ctx, id, webhook.Attempt{At: at, Status: "bogus"}); err == nil {
				t.Error("RecordAttempt stored an unknown status")
			}
			again := whT0.Add(time.Hour)
			if err := w.ResetDelivery(ctx, id, again); err != nil {
				t.Fatal(err)
			}
			if d, _ := w.Delivery(ctx, id); d.Attempts != 0 || d.Status != webhook.StatusPending || !d.DeliveredAt.IsZero() || !d.NextAttemptAt.Equal(again) {
				t.Errorf("after reset: %+v", d)
			}
			if err := w.ResetDelivery(ctx, "whd_nope", again); !errs.Is(err, "WEBHOOK_DELIVERY_NOT_FOUND") {
				t.Errorf("ResetDelivery unknown: %v", err)
			}

			// Listing: newest first, limited.
			ds, err := w.Deliveries(ctx, "whe_all", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 3 || ds[0].ID != submitted[0] || ds[1].ID != rejected[0] || ds[2].ID != approved[0] {
				t.Errorf("Deliveries order: %v", ds)
			}
			if ds, _ := w.Deliveries(ctx, "whe_all", 2); len(ds) != 2 {
				t.Errorf("Deliveries limit 2: %d", len(ds))
			}
			if ds, err := w.Deliveries(ctx, "whe_nope", 10); err != nil || len(ds) != 0 {
				t.Errorf("Deliveries of unknown endpoint: %v, %v", ds, err)
			}

			// Deleting an endpoint: its pending deliveries fail, delivered ones stay.
			if err := w.RecordAttempt(ctx, rejected[0], webhook.Attempt{At: at, StatusCode: 204, Status: webhook.StatusDelivered}); err != nil {
				t.Fatal(err)
			}
			if err := w.DeleteEndpoint(ctx, "whe_all", whT0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]webhook.Status{approved[0]: webhook.StatusFailed, rejected[0]: webhook.StatusDelivered, submitted[0]: webhook.StatusFailed} {
				d, err := w.Delivery(ctx, id)
				if err != nil || d.Status != want {
					t.Errorf("delivery %s after delete: %+v, %v; want %s", id, d, err, want)
				}
				if want == webhook.StatusFailed && (d.LastError != "endpoint deleted" || !d.NextAttemptAt.IsZero()) {
					t.Errorf("failed by delete: %+v", d)
				}
			}
			if _, err := w.Endpoint(ctx, "whe_all"); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("deleted Endpoint: %v", err)
			}
			if _, err := w.EndpointSecret(ctx, "whe_all"); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("deleted EndpointSecret: %v", err)
			}
			if raw := rawText(t, db, `SELECT secret_enc FROM webhook_endpoints WHERE id = $1`, "whe_all"); raw != "" {
				t.Errorf("deleted endpoint keeps its secret: %q", raw)
			}
			if err := w.DeleteEndpoint(ctx, "whe_all", whT0); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("delete twice: %v", err)
			}
			if _, err := w.SetEndpointDisabled(ctx, "whe_all", false); !errs.Is(err, "WEBHOOK_ENDPOINT_NOT_FOUND") {
				t.Errorf("enable a deleted endpoint: %v", err)
			}
			if list, _ := w.Endpoints(ctx); len(list) != 3 || list[0].ID != "whe_approved" {
				t.Errorf("Endpoints after delete: %+v", list)
			}
			// Deleted and disabled endpoints get nothing; re-enabled ones do.
			if ids := enqueue(t, db, verification.WebhookSubmitted, `{}`, whT0, false); len(ids) != 0 {
				t.Errorf("submitted after delete went to %q", targets(ids))
			}
			// Enabling reports the pending deliveries, oldest first.
			if pending, err := w.SetEndpointDisabled(ctx, "whe_approved", true); err != nil || !slices.Equal(pending, []string{approved[1], rejected[1]}) {
				t.Errorf("disable whe_approved: %q, %v; want %q", pending, err, []string{approved[1], rejected[1]})
			}
			late := enqueue(t, db, verification.WebhookRejected, `{}`, whT0.Add(3*time.Hour), false)
			if got := targets(late); !slices.Equal(got, []string{"whe_rejected"}) {
				t.Errorf("rejected with whe_approved disabled went to %q", got)
			}
			if pending, err := w.SetEndpointDisabled(ctx, "whe_rejected", false); err != nil || !slices.Equal(pending, []string{rejected[2], late[0]}) {
				t.Errorf("enable whe_rejected: %q, %v; want %q", pending, err, []string{rejected[2], late[0]})
			}
			if pending, err := w.SetEndpointDisabled(ctx, "whe_off", false); err != nil || len(pending) != 0 {
				t.Fatalf("enable whe_off: %q, %v", pending, err)
			}
			if got := targets(enqueue(t, db, verification.WebhookSubmitted, `{}`, whT0, false)); !slices.Equal(got, []string{"whe_off"}) {
				t.Errorf("submitted after enabling went to %q", got)
			}
		})
	}
}

// TestWebhooksEndToEnd runs the service over the SQL store: a decision's
// transaction enqueues, the job delivers to a receiver that checks the
// signature, the receiver fails once and the retry succeeds.
func TestWebhooksEndToEnd(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			now := whT0
			svc := webhook.NewService(db.Webhooks(), nil, func() time.Time { return now }, nil)

			var secret string
			fail := true
			var sigErrs []error
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				err := verification.VerifyWebhook([]byte(secret), r.Header.Get(verification.WebhookHeader), body, now, 0)
				sigErrs = append(sigErrs, err)
				if err != nil || string(body) != `{"case_id":"cas_9"}` || r.Header.Get("Veriwallet-Event") != verification.WebhookManualReview {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				if fail {
					w.WriteHeader(http.StatusBadGateway)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()

			e, s, err := svc.CreateEndpoint(ctx, srv.URL+"/veriwallet", []string{verification.WebhookManualReview})
			if err != nil {
				t.Fatal(err)
			}
			secret = s
			ids := enqueue(t, db, verification.WebhookManualReview, `{"case_id":"cas_9"}`, now, false)
			if len(ids) != 1 {
				t.Fatalf("enqueued %d, want 1", len(ids))
			}
			if err := svc.Deliver(ctx, ids[0]); !errs.Is(err, "WEBHOOK_DELIVERY_FAILED") {
				t.Fatalf("first Deliver: %v", err)
			}
			now = now.Add(webhook.RetryDelay(1))
			fail = false
			if err := svc.Deliver(ctx, ids[0]); err != nil {
				t.Fatalf("retry: %v", err)
			}
			for i, err := range sigErrs {
				if err != nil {
					t.Errorf("request %d: signature: %v", i, err)
				}
			}
			ds, err := svc.Deliveries(ctx, e.ID, 0)
			if err != nil || len(ds) != 1 {
				t.Fatalf("Deliveries: %v, %v", ds, err)
			}
			if d := ds[0]; d.Status != webhook.StatusDelivered || d.Attempts != 2 || d.LastStatusCode != 200 || !d.DeliveredAt.Equal(now) {
				t.Errorf("delivery: %+v", d)
			}
		})
	}
}

// BenchmarkEnqueueTx measures the outbox: one transaction that enqueues an
// event for 3 subscribed endpoints (of 4) and commits.
func BenchmarkEnqueueTx(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := sqltest.Open(b, engine)
			w := db.Webhooks()
			for i, evs := range [][]string{{"*"}, {verification.WebhookApproved}, {verification.WebhookApproved, verification.WebhookRejected}, {verification.WebhookRejected}} {
				e := webhook.Endpoint{ID: "whe_" + string(rune('a'+i)), URL: "https://example.com/", Events: evs, CreatedAt: whT0}
				if err := w.CreateEndpoint(ctx, e, "whsec_x"); err != nil {
					b.Fatal(err)
				}
			}
			payload := []byte(`{"case_id":"cas_0123456789","status":"approved","reasons":[]}`)
			b.ResetTimer()
			for range b.N {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				ids, err := w.EnqueueTx(ctx, tx, verification.WebhookApproved, payload, whT0)
				if err != nil || len(ids) != 3 {
					b.Fatalf("EnqueueTx: %d ids, %v", len(ids), err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
