package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// Documents implements document.Store.
type Documents struct{ db *DB }

// Documents returns the document records store on db.
func (db *DB) Documents() *Documents { return &Documents{db: db} }

var _ document.Store = (*Documents)(nil)

type quality struct {
	Scores    map[string]float64 `json:"scores"`
	Reasons   []string           `json:"reasons"`
	Duplicate []string           `json:"duplicate,omitempty"`
}

// CreateDocument implements document.Store.
func (s *Documents) CreateDocument(ctx context.Context, d *document.Document, quota document.Quota) error {
	q, _ := json.Marshal(quality{Scores: d.Scores, Reasons: d.Reasons})
	var dup any
	if len(d.Duplicate) > 0 {
		b, _ := json.Marshal(d.Duplicate)
		dup = string(b)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if quota.MaxDocuments > 0 || quota.MaxBytes > 0 {
			// One creation per owner at a time (SQLite's write lock, taken
			// at BEGIN, does this by itself), then count in the same
			// transaction.
			if s.db.Engine == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, d.OwnerID); err != nil {
					return err
				}
			}
			n, b, err := storedUsage(ctx, tx, d.OwnerID)
			if err != nil {
				return err
			}
			if (quota.MaxDocuments > 0 && n >= quota.MaxDocuments) || (quota.MaxBytes > 0 && b+d.StoredBytes > quota.MaxBytes) {
				return document.ErrQuotaExceeded(quota)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO documents (id, owner_id, kind, format, width, height, sha256, phash, phash_fine, accepted, quality, duplicate_of, created_at, stored_bytes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			d.ID, d.OwnerID, string(d.Kind), d.Format, d.Width, d.Height, d.SHA256, int64(d.PHash), fineHex(d.PHashFine), d.Accepted, string(q), dup, ts(d.CreatedAt), d.StoredBytes)
		return err
	})
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func storedUsage(ctx context.Context, q querier, ownerID string) (int, int64, error) {
	var n int
	var b int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(stored_bytes), 0) FROM documents WHERE owner_id = $1 AND purged_at IS NULL AND kind <> 'attachment'`, ownerID).Scan(&n, &b)
	return n, b, err
}

// StoredUsage implements document.Store.
func (s *Documents) StoredUsage(ctx context.Context, ownerID string) (int, int64, error) {
	n, b, err := storedUsage(ctx, s.db, ownerID)
	return n, b, translate(err)
}

// DeleteDocument implements document.Store.
func (s *Documents) DeleteDocument(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM documents WHERE id = $1`, id)
	return translate(err)
}

// RefusedBefore implements document.Store.
func (s *Documents) RefusedBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	return s.db.queryStrings(ctx, `SELECT id FROM documents WHERE accepted = $1 AND purged_at IS NULL AND created_at < $2 ORDER BY created_at LIMIT $3`,
		false, ts(t), limit)
}

// MarkPurged implements document.Store.
func (s *Documents) MarkPurged(ctx context.Context, id string, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE documents SET purged_at = $1, stored_bytes = 0 WHERE id = $2 AND purged_at IS NULL`, ts(t), id)
	return translate(err)
}

// Document implements document.Store.
func (s *Documents) Document(ctx context.Context, id string) (*document.Document, error) {
	var d document.Document
	var kind, q string
	var ph int64
	var dup sql.NullString
	var purged sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT id, owner_id, kind, format, width, height, sha256, phash, accepted, quality, duplicate_of, created_at, stored_bytes, purged_at
		FROM documents WHERE id = $1`, id).Scan(&d.ID, &d.OwnerID, &kind, &d.Format, &d.Width, &d.Height, &d.SHA256, &ph, &d.Accepted, &q, &dup, &d.CreatedAt, &d.StoredBytes, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, document.ErrNotFound
	}
	if err != nil {
		return nil, translate(err)
	}
	d.Kind, d.PHash, d.CreatedAt = document.Kind(kind), uint64(ph), d.CreatedAt.UTC()
	if purged.Valid {
		t := purged.Time.UTC()
		d.PurgedAt = &t
	}
	var qq quality
	if err := json.Unmarshal([]byte(q), &qq); err != nil {
		return nil, errs.Internalf("document quality: %w", err)
	}
	d.Scores, d.Reasons = qq.Scores, qq.Reasons
	if dup.Valid {
		_ = json.Unmarshal([]byte(dup.String), &d.Duplicate)
	}
	return &d, nil
}

// OtherOwnersHashes implements document.Store. It reads every other
// account's hash: fine for thousands of documents; a BK-tree or banded index
// is the next step at larger scale.
func (s *Documents) OtherOwnersHashes(ctx context.Context, ownerID string) ([]document.HashRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, phash, phash_fine, sha256 FROM documents WHERE owner_id <> $1 AND format IN ('jpeg', 'png')`, ownerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []document.HashRef
	for rows.Next() {
		var h document.HashRef
		var ph int64
		var fine string
		if err := rows.Scan(&h.ID, &ph, &fine, &h.SHA256); err != nil {
			return nil, translate(err)
		}
		h.PHash, h.PHashFine = uint64(ph), parseFine(fine)
		out = append(out, h)
	}
	return out, translate(rows.Err())
}

func fineHex(f [3]uint64) string { return fmt.Sprintf("%016x%016x%016x", f[0], f[1], f[2]) }

func parseFine(s string) [3]uint64 {
	var f [3]uint64
	for i := range f {
		if len(s) >= 16*(i+1) {
			f[i], _ = strconv.ParseUint(s[16*i:16*(i+1)], 16, 64)
		}
	}
	return f
}
