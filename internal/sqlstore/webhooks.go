package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// Webhooks implements webhook.Store on the tables webhook_endpoints and
// webhook_deliveries, and the outbox (EnqueueTx). Secrets and payloads are
// encrypted with the store's Cipher.
type Webhooks struct{ db *DB }

// Webhooks returns the webhook store on db.
func (db *DB) Webhooks() *Webhooks { return &Webhooks{db: db} }

var _ webhook.Store = (*Webhooks)(nil)

func (w *Webhooks) secretAAD(id string) string  { return "webhook_endpoints.secret:" + id }
func (w *Webhooks) payloadAAD(id string) string { return "webhook_deliveries.payload:" + id }

// CreateEndpoint implements webhook.Store.
func (w *Webhooks) CreateEndpoint(ctx context.Context, e webhook.Endpoint, secret string) error {
	enc, err := w.db.cipher.SealString(secret, w.secretAAD(e.ID))
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	events, err := json.Marshal(e.Events)
	if err != nil {
		return errs.Internalf("webhook events: %w", err)
	}
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, url, events, secret_enc, disabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, e.URL, string(events), enc, e.Disabled, ts(e.CreatedAt))
		return err
	})
}

const webhookEndpointCols = `id, url, events, disabled, created_at`

func (w *Webhooks) scanEndpoint(row interface{ Scan(...any) error }) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	if err := row.Scan(&e.ID, &e.URL, &events, &e.Disabled, &e.CreatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, webhook.ErrEndpointNotFound
		}
		return e, translate(err)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return e, errs.Internalf("webhook events: %w", err)
	}
	return e, nil
}

// Endpoints implements webhook.Store.
func (w *Webhooks) Endpoints(ctx context.Context) ([]webhook.Endpoint, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints
		WHERE deleted_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []webhook.Endpoint{}
	for rows.Next() {
		e, err := w.scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// Endpoint implements webhook.Store.
func (w *Webhooks) Endpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	return w.scanEndpoint(w.db.QueryRowContext(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints
		WHERE id = $1 AND deleted_at IS NULL`, id))
}

// SetEndpointDisabled implements webhook.Store.
func (w *Webhooks) SetEndpointDisabled(ctx context.Context, id string, disabled bool) ([]string, error) {
	pending := []string{}
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET disabled = $1 WHERE id = $2 AND deleted_at IS NULL`, disabled, id)
		if err := w.affected(res, err, webhook.ErrEndpointNotFound); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'
			ORDER BY created_at, id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				return err
			}
			pending = append(pending, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return pending, nil
}

// DeleteEndpoint implements webhook.Store. The row stays (its deliveries
// refer to it) without its secret.
func (w *Webhooks) DeleteEndpoint(ctx context.Context, id string, at time.Time) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET deleted_at = $1, secret_enc = '', disabled = TRUE
			WHERE id = $2 AND deleted_at IS NULL`, ts(at), id)
		if err := w.affected(res, err, webhook.ErrEndpointNotFound); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint deleted', next_attempt_at = NULL
			WHERE endpoint_id = $1 AND status = 'pending'`, id)
		return err
	})
}

// EndpointSecret implements webhook.Store.
func (w *Webhooks) EndpointSecret(ctx context.Context, id string) (string, error) {
	var enc string
	err := w.db.QueryRowContext(ctx, `SELECT secret_enc FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", webhook.ErrEndpointNotFound
	}
	if err != nil {
		return "", translate(err)
	}
	s, err := w.db.cipher.OpenString(enc, w.secretAAD(id))
	if err != nil {
		return "", errs.Internalf("open webhook secret: %w", err)
	}
	return s, nil
}

const webhookDeliveryCols = `id, endpoint_id, event, payload_enc, attempts, status, last_status_code, last_error, created_at, delivered_at, next_attempt_at`

func (w *Webhooks) scanDelivery(row interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var d webhook.Delivery
	var enc, status string
	var delivered, next sql.NullTime
	if err := row.Scan(&d.ID, &d.EndpointID, &d.Event, &enc, &d.Attempts, &status, &d.LastStatusCode, &d.LastError,
		&d.CreatedAt, &delivered, &next); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, webhook.ErrDeliveryNotFound
		}
		return d, translate(err)
	}
	d.Status = webhook.Status(status)
	d.CreatedAt = d.CreatedAt.UTC()
	if delivered.Valid {
		d.DeliveredAt = delivered.Time.UTC()
	}
	if next.Valid {
		d.NextAttemptAt = next.Time.UTC()
	}
	p, err := w.db.cipher.OpenString(enc, w.payloadAAD(d.ID))
	if err != nil {
		return d, errs.Internalf("open webhook payload: %w", err)
	}
	d.Payload = []byte(p)
	return d, nil
}

// Delivery implements webhook.Store.
func (w *Webhooks) Delivery(ctx context.Context, id string) (webhook.Delivery, error) {
	return w.scanDelivery(w.db.QueryRowContext(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries WHERE id = $1`, id))
}

// Deliveries implements webhook.Store.
func (w *Webhooks) Deliveries(ctx context.Context, endpointID string, limit int) ([]webhook.Delivery, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries
		WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, endpointID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := w.scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// RecordAttempt implements webhook.Store.
func (w *Webhooks) RecordAttempt(ctx context.Context, id string, a webhook.Attempt) error {
	var delivered, next any
	if a.Status == webhook.StatusDelivered {
		delivered = ts(a.At)
	}
	if a.Status == webhook.StatusPending && !a.NextAttemptAt.IsZero() {
		next = ts(a.NextAttemptAt)
	}
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $1,
			last_status_code = $2, last_error = $3, delivered_at = $4, next_attempt_at = $5 WHERE id = $6`,
			string(a.Status), a.StatusCode, a.Error, delivered, next, id)
		return w.affected(res, err, webhook.ErrDeliveryNotFound)
	})
}

// ResetDelivery implements webhook.Store.
func (w *Webhooks) ResetDelivery(ctx context.Context, id string, at time.Time) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = 0,
			delivered_at = NULL, next_attempt_at = $1 WHERE id = $2`, ts(at), id)
		return w.affected(res, err, webhook.ErrDeliveryNotFound)
	})
}

// EnqueueTx is the webhook outbox: inside tx (the transaction that makes
// the change the event reports), it inserts one pending delivery of event
// with payload, created and due at, for each enabled endpoint subscribed to
// event or to all events, and returns their ids (none when nobody listens)
// for the caller to enqueue delivery jobs in the same transaction. The
// payload must be JSON; it is stored encrypted. It neither commits nor rolls
// back tx; driver errors come back translated to domain errors.
//
// Errors: Internal for an unknown event, or a payload that is not JSON or
// is larger than webhook.MaxPayload.
func (w *Webhooks) EnqueueTx(ctx context.Context, tx *sql.Tx, event string, payload []byte, at time.Time) ([]string, error) {
	if !webhook.KnownEvent(event) {
		return nil, errs.Internalf("webhook: unknown event %q", event)
	}
	if len(payload) > webhook.MaxPayload {
		return nil, errs.Internalf("webhook: %s payload of %d bytes exceeds %d", event, len(payload), webhook.MaxPayload)
	}
	if !json.Valid(payload) {
		return nil, errs.Internalf("webhook: %s payload is not JSON", event)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhook_endpoints
		WHERE deleted_at IS NULL AND disabled = FALSE ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err)
	}
	var targets []string
	for rows.Next() {
		e := webhook.Endpoint{}
		var events string
		if err := rows.Scan(&e.ID, &events); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		if json.Unmarshal([]byte(events), &e.Events) == nil && e.Subscribed(event) {
			targets = append(targets, e.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	ids := make([]string, 0, len(targets))
	for _, ep := range targets {
		id, err := w.newDeliveryID()
		if err != nil {
			return nil, err
		}
		enc, err := w.db.cipher.SealString(string(payload), w.payloadAAD(id))
		if err != nil {
			return nil, errs.Internalf("seal: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, event, payload_enc, status, created_at, next_attempt_at)
			VALUES ($1, $2, $3, $4, 'pending', $5, $6)`, id, ep, event, enc, ts(at), ts(at)); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (w *Webhooks) newDeliveryID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internalf("random: %w", err)
	}
	return "whd_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// affected turns "no row changed" into notFound.
func (w *Webhooks) affected(res sql.Result, err error, notFound error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}
