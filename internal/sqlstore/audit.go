package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
)

// Audit implements audit.Store.
type Audit struct{ db *DB }

// Audit returns the audit trail on db.
func (db *DB) Audit() *Audit { return &Audit{db: db} }

var _ audit.Store = (*Audit)(nil)

// Append implements audit.Store: it links e to the latest event in the
// same transaction (serialised: SQLite's write lock, a PostgreSQL
// transaction-level advisory lock).
func (a *Audit) Append(ctx context.Context, e *audit.Event) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error { return appendAuditTx(ctx, a.db, tx, e) })
}

// appendAuditTx appends e inside tx, so an audited change and its event
// commit together.
func appendAuditTx(ctx context.Context, db *DB, tx *sql.Tx, e *audit.Event) error {
	if db.Engine == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7710201)`); err != nil {
			return err
		}
	}
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e.At = ts(e.At)
	e.PrevHash = prev
	e.Hash = audit.HashOf(db.auditKey(), *e)
	return tx.QueryRowContext(ctx, `INSERT INTO audit_events (at, actor, action, subject, detail, request_id, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		e.At, e.Actor, e.Action, e.Subject, e.Detail, e.RequestID, e.PrevHash, e.Hash).Scan(&e.Seq)
}

// Events implements audit.Store.
func (a *Audit) Events(ctx context.Context, afterSeq int64, limit int) ([]audit.Event, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT seq, at, actor, action, subject, detail, request_id, prev_hash, hash
		FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []audit.Event{}
	for rows.Next() {
		var e audit.Event
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.RequestID, &e.PrevHash, &e.Hash); err != nil {
			return nil, translate(err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// auditKey is the audit chain's HMAC key, derived from the keyring (it
// survives master-key rotation, like the blind indexes).
func (db *DB) auditKey() []byte { return db.cipher.BlindIndex("audit-chain-key", []byte("v1")) }

// Verify implements audit.Store.
func (a *Audit) Verify(events []audit.Event) (int64, error) {
	return audit.Verify(a.db.auditKey(), events)
}

var _ audit.HeadReader = (*Audit)(nil)

// Head implements audit.HeadReader.
func (a *Audit) Head(ctx context.Context) (audit.Anchor, error) {
	var h audit.Anchor
	err := a.db.QueryRowContext(ctx, `SELECT seq, hash, at FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash, &h.At)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Anchor{}, nil
	}
	h.At = h.At.UTC()
	return h, translate(err)
}

// EventsBetween returns the events with from <= at < to, oldest first, at
// most limit after seq afterSeq (for `veriwallet audit export`).
func (a *Audit) EventsBetween(ctx context.Context, from, to time.Time, afterSeq int64, limit int) ([]audit.Event, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT seq, at, actor, action, subject, detail, request_id, prev_hash, hash
		FROM audit_events WHERE at >= $1 AND at < $2 AND seq > $3 ORDER BY seq LIMIT $4`, ts(from), ts(to), afterSeq, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []audit.Event{}
	for rows.Next() {
		var e audit.Event
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.RequestID, &e.PrevHash, &e.Hash); err != nil {
			return nil, translate(err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, translate(rows.Err())
}
