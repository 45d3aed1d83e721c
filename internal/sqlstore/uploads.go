package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/upload"
)

// Uploads implements upload.Records.
type Uploads struct{ db *DB }

// Uploads returns the upload records store on db.
func (db *DB) Uploads() *Uploads { return &Uploads{db: db} }

var _ upload.Records = (*Uploads)(nil)

var errUploadNotFound = errs.New(errs.NotFound, "UPLOAD_NOT_FOUND", "No such upload.", "上传不存在。")

// CreateUpload implements upload.Records.
func (u *Uploads) CreateUpload(ctx context.Context, r *upload.Record, maxOpen int) error {
	meta, _ := json.Marshal(r.MetaData)
	enc, err := u.db.cipher.SealString(string(meta), "uploads.meta:"+r.ID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	segs, _ := json.Marshal(nonNil(r.Segments))
	return u.db.tx(ctx, func(tx *sql.Tx) error {
		if maxOpen > 0 {
			// Counted in the insert's transaction, under the owner's lock:
			// concurrent creates (on any server) see each other.
			if err := u.db.lockKeys(ctx, tx, "uploads:"+r.OwnerID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM uploads WHERE owner_id = $1 AND expires_at > $2`, r.OwnerID, ts(r.CreatedAt)).Scan(&n); err != nil {
				return err
			}
			if n >= maxOpen {
				return upload.ErrQuota
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (id, owner_id, size, upload_offset, segments, meta_enc, created_at, expires_at, completed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.OwnerID, r.Size, r.Offset, string(segs), enc, ts(r.CreatedAt), ts(r.ExpiresAt), r.Completed)
		return err
	})
}

func nonNil(s []upload.Segment) []upload.Segment {
	if s == nil {
		return []upload.Segment{}
	}
	return s
}

const uploadCols = `id, owner_id, size, upload_offset, segments, meta_enc, created_at, expires_at, completed`

func (u *Uploads) scan(row interface{ Scan(...any) error }) (*upload.Record, error) {
	var r upload.Record
	var segs, enc string
	if err := row.Scan(&r.ID, &r.OwnerID, &r.Size, &r.Offset, &segs, &enc, &r.CreatedAt, &r.ExpiresAt, &r.Completed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errUploadNotFound
		}
		return nil, translate(err)
	}
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	if err := json.Unmarshal([]byte(segs), &r.Segments); err != nil {
		return nil, errs.Internalf("upload segments: %w", err)
	}
	meta, err := u.db.cipher.OpenString(enc, "uploads.meta:"+r.ID)
	if err != nil {
		return nil, errs.Internalf("open upload meta: %w", err)
	}
	if err := json.Unmarshal([]byte(meta), &r.MetaData); err != nil {
		return nil, errs.Internalf("upload meta: %w", err)
	}
	return &r, nil
}

// GetUpload implements upload.Records.
func (u *Uploads) GetUpload(ctx context.Context, id string) (*upload.Record, error) {
	return u.scan(u.db.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = $1`, id))
}

// SaveUploadProgress implements upload.Records.
func (u *Uploads) SaveUploadProgress(ctx context.Context, id string, prev, offset int64, segments []upload.Segment, completed bool) error {
	segs, _ := json.Marshal(nonNil(segments))
	return u.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET upload_offset = $1, segments = $2, completed = $3 WHERE id = $4 AND upload_offset = $5`,
			offset, string(segs), completed, id, prev)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "UPLOAD_OFFSET_CONFLICT", "The upload moved on meanwhile; ask for its offset and resume.", "上传进度已变化，请查询进度后继续。")
		}
		return nil
	})
}

// ClaimUpload implements upload.Records: one conditional UPDATE, so of
// concurrent claims exactly one succeeds.
func (u *Uploads) ClaimUpload(ctx context.Context, ownerID, id string, now time.Time) (*upload.Record, error) {
	var rec *upload.Record
	err := u.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET claimed = TRUE WHERE id = $1 AND owner_id = $2 AND completed AND NOT claimed AND expires_at > $3`,
			id, ownerID, ts(now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		r, err := u.scan(tx.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = $1`, id))
		switch {
		case err != nil:
			return err
		case r.OwnerID != ownerID || !now.Before(r.ExpiresAt):
			return errUploadNotFound
		case n == 1:
			rec = r
			return nil
		case !r.Completed:
			return upload.ErrIncomplete
		default:
			return upload.ErrUsed
		}
	})
	return rec, err
}

// UnclaimUpload implements upload.Records.
func (u *Uploads) UnclaimUpload(ctx context.Context, id string) error {
	_, err := u.db.ExecContext(ctx, `UPDATE uploads SET claimed = FALSE WHERE id = $1`, id)
	return translate(err)
}

// DeleteUpload implements upload.Records.
func (u *Uploads) DeleteUpload(ctx context.Context, id string) error {
	_, err := u.db.ExecContext(ctx, `DELETE FROM uploads WHERE id = $1`, id)
	return translate(err)
}

// CountOpenUploads implements upload.Records.
func (u *Uploads) CountOpenUploads(ctx context.Context, owner string, now time.Time) (int, error) {
	var n int
	// Finished uploads count too until they become documents (or expire):
	// otherwise a user could park any number of them.
	err := u.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM uploads WHERE owner_id = $1 AND expires_at > $2`, owner, ts(now)).Scan(&n)
	return n, translate(err)
}

// ExpiredUploads implements upload.Records.
func (u *Uploads) ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*upload.Record, error) {
	rows, err := u.db.QueryContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`, ts(now), limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*upload.Record
	for rows.Next() {
		r, err := u.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}
