package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// ReadingJobs queues the background read of a document inside the caller's
// transaction.
type ReadingJobs interface {
	ReadDocumentTx(ctx context.Context, tx *sql.Tx, documentID string) error
}

// Readings implements verification.ReadingStore: one row per document,
// everything read sealed.
type Readings struct {
	db   *DB
	jobs ReadingJobs
}

// Readings returns the reading store on db; jobs may be nil (nothing is
// queued: tests that read documents themselves).
func (db *DB) Readings(jobs ReadingJobs) *Readings { return &Readings{db: db, jobs: jobs} }

var _ verification.ReadingStore = (*Readings)(nil)

func (s *Readings) seal(r *verification.DocumentReading) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return s.db.cipher.SealString(string(b), "document_readings.reading:"+r.DocumentID)
}

func (s *Readings) upsert(ctx context.Context, tx *sql.Tx, r *verification.DocumentReading) error {
	enc, err := s.seal(r)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO document_readings (document_id, status, detected_kind, reading_enc, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (document_id) DO UPDATE SET status = excluded.status, detected_kind = excluded.detected_kind,
			reading_enc = excluded.reading_enc, updated_at = excluded.updated_at`,
		r.DocumentID, r.Status, r.DetectedKind, enc, ts(r.UpdatedAt))
	return translate(err)
}

// QueueReading implements verification.ReadingStore.
func (s *Readings) QueueReading(ctx context.Context, r *verification.DocumentReading) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.upsert(ctx, tx, r); err != nil {
			return err
		}
		if r.Status == verification.ReadingPending && s.jobs != nil {
			return s.jobs.ReadDocumentTx(ctx, tx, r.DocumentID)
		}
		return nil
	})
}

// SaveReading implements verification.ReadingStore.
func (s *Readings) SaveReading(ctx context.Context, r *verification.DocumentReading) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error { return s.upsert(ctx, tx, r) })
}

// Reading implements verification.ReadingStore.
func (s *Readings) Reading(ctx context.Context, documentID string) (*verification.DocumentReading, error) {
	var status, kind, enc string
	err := s.db.QueryRowContext(ctx, `SELECT status, detected_kind, reading_enc FROM document_readings WHERE document_id = $1`, documentID).
		Scan(&status, &kind, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, verification.ErrReadingNotFound
	}
	if err != nil {
		return nil, translate(err)
	}
	plain, err := s.db.cipher.OpenString(enc, "document_readings.reading:"+documentID)
	if err != nil {
		return nil, errs.Internalf("open reading: %w", err)
	}
	var r verification.DocumentReading
	if err := json.Unmarshal([]byte(plain), &r); err != nil {
		return nil, errs.Internalf("reading: %w", err)
	}
	r.DocumentID, r.Status, r.DetectedKind = documentID, status, kind
	return &r, nil
}
