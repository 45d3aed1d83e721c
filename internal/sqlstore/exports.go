package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Export is one personal data export request.
type Export struct {
	ID        string     `json:"id"`
	UserID    string     `json:"-"`
	Status    string     `json:"status"` // pending, ready, downloaded, expired
	Size      int64      `json:"size"`
	CreatedAt time.Time  `json:"created_at"`
	ReadyAt   *time.Time `json:"ready_at,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	BlobKey   string     `json:"-"`
}

// Exports keeps personal data export requests.
type Exports struct{ db *DB }

// Exports returns the export requests store on db.
func (db *DB) Exports() *Exports { return &Exports{db: db} }

// ErrExportNotFound is the answer for no (or another user's) export.
func ErrExportNotFound() *errs.Error {
	return errs.New(errs.NotFound, "EXPORT_NOT_FOUND", "There is no export to download: ask for a new one.", "没有可下载的导出文件，请重新申请。")
}

// Create records a pending export and, in the same transaction, its job
// (enqueue). A pending export of the user is reused (no second job).
// Errors: Conflict EXPORT_PENDING is not returned: the pending one is.
func (s *Exports) Create(ctx context.Context, e *Export, enqueue func(ctx context.Context, tx *sql.Tx, id string) error) (*Export, error) {
	var out *Export
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockKeys(ctx, tx, "export:"+e.UserID); err != nil {
			return err
		}
		p, err := scanExport(tx.QueryRowContext(ctx, `SELECT `+exportCols+` FROM data_exports WHERE user_id = $1 AND status = 'pending' ORDER BY created_at DESC LIMIT 1`, e.UserID))
		if err == nil {
			out = p
			return nil
		}
		if errs.KindOf(err) != errs.NotFound {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO data_exports (id, user_id, status, created_at, expires_at) VALUES ($1, $2, 'pending', $3, $4)`,
			e.ID, e.UserID, ts(e.CreatedAt), ts(e.ExpiresAt)); err != nil {
			return err
		}
		out = e
		return enqueue(ctx, tx, e.ID)
	})
	return out, err
}

const exportCols = `id, user_id, status, size, created_at, ready_at, expires_at, blob_key`

func scanExport(row interface{ Scan(...any) error }) (*Export, error) {
	var e Export
	var ready sql.NullTime
	var key sql.NullString
	if err := row.Scan(&e.ID, &e.UserID, &e.Status, &e.Size, &e.CreatedAt, &ready, &e.ExpiresAt, &key); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrExportNotFound()
		}
		return nil, translate(err)
	}
	e.CreatedAt, e.ExpiresAt, e.BlobKey = e.CreatedAt.UTC(), e.ExpiresAt.UTC(), key.String
	if ready.Valid {
		t := ready.Time.UTC()
		e.ReadyAt = &t
	}
	return &e, nil
}

// Get returns an export. Errors: NotFound EXPORT_NOT_FOUND.
func (s *Exports) Get(ctx context.Context, id string) (*Export, error) {
	return scanExport(s.db.QueryRowContext(ctx, `SELECT `+exportCols+` FROM data_exports WHERE id = $1`, id))
}

// Latest returns the user's latest export, its status as of now (a ready
// one past its expiry is "expired"). Errors: NotFound EXPORT_NOT_FOUND.
func (s *Exports) Latest(ctx context.Context, userID string, now time.Time) (*Export, error) {
	e, err := scanExport(s.db.QueryRowContext(ctx, `SELECT `+exportCols+` FROM data_exports WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, userID))
	if err == nil && e.Status == "ready" && !now.Before(e.ExpiresAt) {
		e.Status = "expired"
	}
	return e, err
}

// MarkReady records that the export's ZIP is stored under key.
func (s *Exports) MarkReady(ctx context.Context, id, key string, size int64, at, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE data_exports SET status = 'ready', blob_key = $1, size = $2, ready_at = $3, expires_at = $4
		WHERE id = $5 AND status = 'pending'`, key, size, ts(at), ts(expires), id)
	return translate(err)
}

// TakeDownload spends the user's ready, unexpired export id (one UPDATE, so
// two concurrent downloads cannot both get it) and returns its blob key.
// Errors: NotFound EXPORT_NOT_FOUND.
func (s *Exports) TakeDownload(ctx context.Context, userID, id string, now time.Time) (string, error) {
	var key sql.NullString
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE data_exports SET status = 'downloaded', downloaded_at = $1
			WHERE id = $2 AND user_id = $3 AND status = 'ready' AND expires_at > $1 RETURNING blob_key`, ts(now), id, userID).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrExportNotFound()
		}
		return err
	})
	return key.String, err
}

// Expired lists the blob keys of ready exports past their expiry and marks
// them expired (their files are to be deleted).
func (s *Exports) Expired(ctx context.Context, now time.Time) ([]string, error) {
	var keys []string
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE data_exports SET status = 'expired' WHERE status = 'ready' AND expires_at <= $1 RETURNING blob_key`, ts(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		keys = nil
		for rows.Next() {
			var k sql.NullString
			if err := rows.Scan(&k); err != nil {
				return err
			}
			if k.Valid {
				keys = append(keys, k.String)
			}
		}
		return rows.Err()
	})
	return keys, err
}
