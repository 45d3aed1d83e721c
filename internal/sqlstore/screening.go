package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// ScreeningJobs queues the re-screening of approved customers in the
// transaction that imports a list version (River on the same database).
type ScreeningJobs interface {
	RescreenTx(ctx context.Context, tx *sql.Tx, listID int64) error
}

// Screening implements screening.Store.
type Screening struct {
	db   *DB
	jobs ScreeningJobs
}

// Screening returns the screening store on db; jobs may be nil (the
// re-screening is recorded but not queued: tests that run it themselves).
func (db *DB) Screening(jobs ScreeningJobs) *Screening { return &Screening{db: db, jobs: jobs} }

var _ screening.Store = (*Screening)(nil)

// ReplaceList implements screening.Store.
func (s *Screening) ReplaceList(ctx context.Context, v screening.ListVersion, ents []*screening.Entity) (screening.ListVersion, error) {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockKeys(ctx, tx, "screening-list:"+v.Source); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO screening_lists (source, file_hash, entities, names, imported_at, active)
			VALUES ($1, $2, $3, $4, $5, FALSE) RETURNING id`, v.Source, v.FileHash, v.Entities, v.Names, ts(v.ImportedAt)).Scan(&v.ID); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO screening_entities (list_id, entity_id, hash, data) VALUES ($1, $2, $3, $4)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range ents {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, v.ID, e.ID, e.Hash(), string(b)); err != nil {
				return fmt.Errorf("entity %s: %w", e.ID, err)
			}
		}
		// The old version's entities go; its row stays as history.
		if _, err := tx.ExecContext(ctx, `DELETE FROM screening_entities WHERE list_id IN
			(SELECT id FROM screening_lists WHERE source = $1 AND id <> $2)`, v.Source, v.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE screening_lists SET active = (id = $2) WHERE source = $1`, v.Source, v.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO screening_rescreens (list_id, after_user, updated_at) VALUES ($1, '', $2)`,
			v.ID, ts(v.ImportedAt)); err != nil {
			return err
		}
		if s.jobs != nil {
			return s.jobs.RescreenTx(ctx, tx, v.ID)
		}
		return nil
	})
	return v, err
}

// ListVersions implements screening.Store.
func (s *Screening) ListVersions(ctx context.Context) ([]screening.ListVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, file_hash, entities, names, imported_at FROM screening_lists
		WHERE active ORDER BY source`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []screening.ListVersion
	for rows.Next() {
		var v screening.ListVersion
		if err := rows.Scan(&v.ID, &v.Source, &v.FileHash, &v.Entities, &v.Names, &v.ImportedAt); err != nil {
			return nil, translate(err)
		}
		v.ImportedAt = v.ImportedAt.UTC()
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// Entities implements screening.Store.
func (s *Screening) Entities(ctx context.Context) ([]*screening.Entity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.data FROM screening_entities e JOIN screening_lists l ON l.id = e.list_id
		WHERE l.active ORDER BY l.source, e.list_id, e.entity_id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*screening.Entity
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, translate(err)
		}
		var e screening.Entity
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("screening entity: %w", err)
		}
		out = append(out, &e)
	}
	return out, translate(rows.Err())
}

func (s *Screening) sealDetail(h *screening.HitRecord) (string, error) {
	if h.Detail == nil {
		return s.db.cipher.SealString("{}", "screening_hits.detail:"+h.ID)
	}
	d, err := screening.MarshalDetail(h.Detail)
	if err != nil {
		return "", err
	}
	return s.db.cipher.SealString(d, "screening_hits.detail:"+h.ID)
}

func insertHit(ctx context.Context, tx *sql.Tx, h *screening.HitRecord, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO screening_hits (id, user_id, case_id, list_id, source, entity_id, entity_hash,
		category, score, status, detail_enc, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (user_id, source, entity_id, entity_hash) DO NOTHING`,
		h.ID, h.UserID, nullString(h.CaseID), h.ListID, h.List, h.EntityID, h.EntityHash, h.Category, h.Score, h.Status, detail, ts(h.CreatedAt))
	return err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// SaveHits implements screening.Store.
func (s *Screening) SaveHits(ctx context.Context, hits []screening.HitRecord) ([]screening.HitRecord, error) {
	details := make([]string, len(hits))
	for i := range hits {
		d, err := s.sealDetail(&hits[i])
		if err != nil {
			return nil, err
		}
		details[i] = d
	}
	out := make([]screening.HitRecord, 0, len(hits))
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for i := range hits {
			h := hits[i]
			if err := insertHit(ctx, tx, &h, details[i]); err != nil {
				return err
			}
			// The stored row: this one, or the one raised before.
			if err := tx.QueryRowContext(ctx, `SELECT id, status, COALESCE(case_id, '') FROM screening_hits
				WHERE user_id = $1 AND source = $2 AND entity_id = $3 AND entity_hash = $4`,
				h.UserID, h.List, h.EntityID, h.EntityHash).Scan(&h.ID, &h.Status, &h.CaseID); err != nil {
				return err
			}
			if h.Status == screening.HitOpen && hits[i].CaseID != "" && h.CaseID != hits[i].CaseID {
				// Raised again on a newer case: the review item follows it.
				if _, err := tx.ExecContext(ctx, `UPDATE screening_hits SET case_id = $2 WHERE id = $1`, h.ID, hits[i].CaseID); err != nil {
					return err
				}
				h.CaseID = hits[i].CaseID
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

const hitCols = `id, user_id, COALESCE(case_id, ''), list_id, source, entity_id, entity_hash, category, score, status, detail_enc, note_enc, decided_by, decided_at, created_at`

func (s *Screening) scanHit(row interface{ Scan(...any) error }) (*screening.HitRecord, error) {
	var h screening.HitRecord
	var detail, note string
	var decided sql.NullTime
	if err := row.Scan(&h.ID, &h.UserID, &h.CaseID, &h.ListID, &h.List, &h.EntityID, &h.EntityHash, &h.Category, &h.Score,
		&h.Status, &detail, &note, &h.DecidedBy, &decided, &h.CreatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, screening.ErrHitNotFound
		}
		return nil, translate(err)
	}
	h.CreatedAt = h.CreatedAt.UTC()
	if decided.Valid {
		h.DecidedAt = decided.Time.UTC()
	}
	d, err := s.db.cipher.OpenString(detail, "screening_hits.detail:"+h.ID)
	if err != nil {
		return nil, fmt.Errorf("open hit detail: %w", err)
	}
	if h.Detail, err = screening.UnmarshalDetail(d); err != nil {
		return nil, err
	}
	if note != "" {
		if h.Note, err = s.db.cipher.OpenString(note, "screening_hits.note:"+h.ID); err != nil {
			return nil, fmt.Errorf("open hit note: %w", err)
		}
	}
	return &h, nil
}

// Hits implements screening.Store.
func (s *Screening) Hits(ctx context.Context, status string, limit int) ([]screening.HitRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+hitCols+` FROM screening_hits WHERE ($1 = '' OR status = $1)
		ORDER BY created_at DESC, id LIMIT $2`, status, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []screening.HitRecord{}
	for rows.Next() {
		h, err := s.scanHit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *h)
	}
	return out, translate(rows.Err())
}

// Hit implements screening.Store.
func (s *Screening) Hit(ctx context.Context, id string) (*screening.HitRecord, error) {
	return s.scanHit(s.db.QueryRowContext(ctx, `SELECT `+hitCols+` FROM screening_hits WHERE id = $1`, id))
}

// DecideHit implements screening.Store.
func (s *Screening) DecideHit(ctx context.Context, id, status, note, reviewer string, at time.Time) (*screening.HitRecord, error) {
	sealed := ""
	if note != "" {
		var err error
		if sealed, err = s.db.cipher.SealString(note, "screening_hits.note:"+id); err != nil {
			return nil, err
		}
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE screening_hits SET status = $2, note_enc = $3, decided_by = $4, decided_at = $5
			WHERE id = $1 AND status = 'open'`, id, status, sealed, reviewer, ts(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var cur string
			if err := tx.QueryRowContext(ctx, `SELECT status FROM screening_hits WHERE id = $1`, id).Scan(&cur); errors.Is(err, sql.ErrNoRows) {
				return screening.ErrHitNotFound
			} else if err != nil {
				return err
			}
			return screening.ErrHitDecided
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Hit(ctx, id)
}

// Rescreen implements screening.Store: approved customers are those with
// an approved case; each is screened once, with their latest approved case.
func (s *Screening) Rescreen(ctx context.Context, listID int64, n int) (screening.RescreenState, []screening.Subject, error) {
	st := screening.RescreenState{ListID: listID}
	err := s.db.QueryRowContext(ctx, `SELECT after_user, screened, hits, done FROM screening_rescreens WHERE list_id = $1`, listID).
		Scan(&st.Cursor, &st.Screened, &st.Hits, &st.Done)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil, screening.ErrHitNotFound
	}
	if err != nil || st.Done {
		return st, nil, translate(err)
	}
	st.From = st.Cursor
	// The next n customers, then all their approved cases (the latest
	// first), so that a batch of fewer than n means the end: reading a
	// fixed number of case rows instead, customers with several approved
	// cases (basic, then standard…) filled it and re-screening stopped early.
	rows, err := s.db.QueryContext(ctx, `SELECT c.user_id, c.id, c.applicant_enc FROM cases c
		WHERE c.status = 'approved' AND c.user_id IN (SELECT DISTINCT u.user_id FROM cases u
			WHERE u.status = 'approved' AND u.user_id > $1 ORDER BY u.user_id LIMIT $2)
		ORDER BY c.user_id, c.updated_at DESC, c.id`, st.Cursor, n)
	if err != nil {
		return st, nil, translate(err)
	}
	defer rows.Close()
	var out []screening.Subject
	last := ""
	for rows.Next() {
		var user, id, app string
		if err := rows.Scan(&user, &id, &app); err != nil {
			return st, nil, translate(err)
		}
		if user == last {
			continue // an older approved case of the same customer
		}
		last = user
		plain, err := s.db.cipher.OpenString(app, "cases.applicant:"+id)
		if err != nil {
			return st, nil, fmt.Errorf("open applicant of %s: %w", id, err)
		}
		var a verification.Applicant
		if err := json.Unmarshal([]byte(plain), &a); err != nil {
			return st, nil, err
		}
		a = verification.NormalizeApplicant(a)
		subj := screening.Subject{UserID: user, CaseID: id, Name: a.FullName, Nationality: a.Nationality}
		if d, ok := verification.BirthDate(a, time.Now()); ok {
			subj.BirthDate = d.String()
		}
		if a.IDNumber != "" {
			subj.Documents = []string{a.IDNumber}
		}
		out = append(out, subj)
	}
	if err := rows.Err(); err != nil {
		return st, nil, translate(err)
	}
	return st, out, nil
}

var errRescreenMoved = errs.New(errs.Conflict, "RESCREEN_MOVED", "Another worker screened this batch.", "该批次已由其他任务处理。")

// SaveRescreen implements screening.Store: the cursor moves only from
// where the batch began (st.From), so a batch is never saved twice.
func (s *Screening) SaveRescreen(ctx context.Context, st screening.RescreenState, hits []screening.HitRecord) error {
	details := make([]string, len(hits))
	for i := range hits {
		d, err := s.sealDetail(&hits[i])
		if err != nil {
			return err
		}
		details[i] = d
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockKeys(ctx, tx, fmt.Sprint("rescreen:", st.ListID)); err != nil {
			return err
		}
		for i := range hits {
			if err := insertHit(ctx, tx, &hits[i], details[i]); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE screening_rescreens SET after_user = $2, screened = $3, hits = $4, done = $5, updated_at = $6
			WHERE list_id = $1 AND NOT done AND after_user = $7`, st.ListID, st.Cursor, st.Screened, st.Hits, st.Done, ts(s.db.now()), st.From)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errRescreenMoved
		}
		return nil
	})
}
