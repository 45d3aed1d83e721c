package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Notices stores announcements, maintenance windows and incidents
// (notice.Store). None of it is personal data.
type Notices struct{ db *DB }

// Notices returns the notices store.
func (db *DB) Notices() *Notices { return &Notices{db: db} }

var _ notice.Store = (*Notices)(nil)

// SaveAnnouncement implements notice.Store.
func (s *Notices) SaveAnnouncement(ctx context.Context, a *notice.Announcement) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO announcements (id, kind, title_en, title_zh, body_en, body_zh, starts_at, ends_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title_en = excluded.title_en, title_zh = excluded.title_zh,
		body_en = excluded.body_en, body_zh = excluded.body_zh, starts_at = excluded.starts_at, ends_at = excluded.ends_at`,
		a.ID, string(a.Kind), a.Title.EN, a.Title.ZH, a.Body.EN, a.Body.ZH, ts(a.StartsAt), ts(a.EndsAt), ts(a.CreatedAt))
	return translate(err)
}

// Announcements implements notice.Store.
func (s *Notices) Announcements(ctx context.Context, after time.Time) ([]notice.Announcement, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, title_en, title_zh, body_en, body_zh, starts_at, ends_at, created_at
		FROM announcements WHERE ends_at > $1 ORDER BY starts_at, id LIMIT 200`, ts(after))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []notice.Announcement{}
	for rows.Next() {
		var a notice.Announcement
		var kind string
		if err := rows.Scan(&a.ID, &kind, &a.Title.EN, &a.Title.ZH, &a.Body.EN, &a.Body.ZH, &a.StartsAt, &a.EndsAt, &a.CreatedAt); err != nil {
			return nil, translate(err)
		}
		a.Kind, a.StartsAt, a.EndsAt, a.CreatedAt = notice.Kind(kind), a.StartsAt.UTC(), a.EndsAt.UTC(), a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// SaveWindow implements notice.Store.
func (s *Notices) SaveWindow(ctx context.Context, w *notice.Window) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO maintenance_windows (id, starts_at, ends_at, note_en, note_zh, released, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, note_en = excluded.note_en, note_zh = excluded.note_zh`,
		w.ID, ts(w.StartsAt), ts(w.EndsAt), w.Note.EN, w.Note.ZH, w.Released, ts(w.CreatedAt))
	return translate(err)
}

func (s *Notices) windows(ctx context.Context, query string, args ...any) ([]notice.Window, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, starts_at, ends_at, note_en, note_zh, released, created_at FROM maintenance_windows `+query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []notice.Window{}
	for rows.Next() {
		var w notice.Window
		if err := rows.Scan(&w.ID, &w.StartsAt, &w.EndsAt, &w.Note.EN, &w.Note.ZH, &w.Released, &w.CreatedAt); err != nil {
			return nil, translate(err)
		}
		w.StartsAt, w.EndsAt, w.CreatedAt = w.StartsAt.UTC(), w.EndsAt.UTC(), w.CreatedAt.UTC()
		out = append(out, w)
	}
	return out, translate(rows.Err())
}

// Windows implements notice.Store.
func (s *Notices) Windows(ctx context.Context, after time.Time) ([]notice.Window, error) {
	return s.windows(ctx, `WHERE ends_at > $1 ORDER BY starts_at, id LIMIT 100`, ts(after))
}

// EndedUnreleased implements notice.Store.
func (s *Notices) EndedUnreleased(ctx context.Context, t time.Time) ([]notice.Window, error) {
	return s.windows(ctx, `WHERE ends_at <= $1 AND released = $2 ORDER BY ends_at, id LIMIT 100`, ts(t), false)
}

// MarkReleased implements notice.Store.
func (s *Notices) MarkReleased(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE maintenance_windows SET released = $1 WHERE id = $2`, true, id)
	return translate(err)
}

// SaveIncident implements notice.Store.
func (s *Notices) SaveIncident(ctx context.Context, in *notice.Incident) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, component, title_en, title_zh, created_at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			in.ID, in.Component, in.Title.EN, in.Title.ZH, ts(in.CreatedAt), nullTime(in.ResolvedAt)); err != nil {
			return err
		}
		for _, u := range in.Updates {
			if err := addIncidentUpdate(ctx, tx, in.ID, &u); err != nil {
				return err
			}
		}
		return nil
	})
}

func addIncidentUpdate(ctx context.Context, tx *sql.Tx, id string, u *notice.IncidentUpdate) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_updates (id, incident_id, body_en, body_zh, created_at) VALUES ($1, $2, $3, $4, $5)`,
		u.ID, id, u.Body.EN, u.Body.ZH, ts(u.CreatedAt))
	return err
}

// AddIncidentUpdate implements notice.Store. Errors: NotFound INCIDENT_NOT_FOUND.
func (s *Notices) AddIncidentUpdate(ctx context.Context, id string, u *notice.IncidentUpdate, resolvedAt *time.Time) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET resolved_at = COALESCE($1, resolved_at) WHERE id = $2`, nullTime(resolvedAt), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notice.ErrIncidentNotFound
		}
		return addIncidentUpdate(ctx, tx, id, u)
	})
}

// Incidents implements notice.Store.
func (s *Notices) Incidents(ctx context.Context, after time.Time) ([]notice.Incident, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, component, title_en, title_zh, created_at, resolved_at FROM incidents
		WHERE created_at > $1 ORDER BY created_at DESC, id LIMIT 200`, ts(after))
	if err != nil {
		return nil, translate(err)
	}
	out := []notice.Incident{}
	for rows.Next() {
		var in notice.Incident
		var res sql.NullTime
		if err := rows.Scan(&in.ID, &in.Component, &in.Title.EN, &in.Title.ZH, &in.CreatedAt, &res); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		in.CreatedAt = in.CreatedAt.UTC()
		if res.Valid {
			t := res.Time.UTC()
			in.ResolvedAt = &t
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		urows, err := s.db.QueryContext(ctx, `SELECT id, body_en, body_zh, created_at FROM incident_updates WHERE incident_id = $1 ORDER BY created_at, id`, out[i].ID)
		if err != nil {
			return nil, translate(err)
		}
		out[i].Updates = []notice.IncidentUpdate{}
		for urows.Next() {
			u := notice.IncidentUpdate{Body: i18n.Text{}}
			if err := urows.Scan(&u.ID, &u.Body.EN, &u.Body.ZH, &u.CreatedAt); err != nil {
				urows.Close()
				return nil, translate(err)
			}
			u.CreatedAt = u.CreatedAt.UTC()
			out[i].Updates = append(out[i].Updates, u)
		}
		urows.Close()
	}
	return out, nil
}

// MaintenanceActor is the actor of the event that holds a case during a
// maintenance window: ReleaseHeld releases only those.
const MaintenanceActor = verification.MaintenanceActor

// ReleaseHeld implements notice.Releaser: every case whose latest event put
// it on hold for maintenance goes back to submitted, with its processing
// job queued in the same transaction. It returns how many.
func (s *Cases) ReleaseHeld(ctx context.Context, at time.Time) (int, error) {
	type held struct {
		id      string
		version int
	}
	var hs []held
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.version FROM cases c WHERE c.status = $1 AND
		(SELECT e.actor FROM case_events e WHERE e.case_id = c.id ORDER BY e.created_at DESC LIMIT 1) = $2`,
		string(verification.StatusOnHold), MaintenanceActor)
	if err != nil {
		return 0, translate(err)
	}
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.id, &h.version); err != nil {
			rows.Close()
			return 0, translate(err)
		}
		hs = append(hs, h)
	}
	rows.Close()
	n := 0
	for _, h := range hs {
		err := s.db.tx(ctx, func(tx *sql.Tx) error {
			if err := checkOne(tx.ExecContext(ctx, `UPDATE cases SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = $5`,
				string(verification.StatusSubmitted), ts(at), h.id, h.version, string(verification.StatusOnHold))); err != nil {
				return err
			}
			if err := s.insertEvent(ctx, tx, h.id, verification.CaseEvent{From: verification.StatusOnHold, To: verification.StatusSubmitted,
				Actor: "system", Note: "maintenance ended", At: at}); err != nil {
				return err
			}
			if s.jobs != nil {
				return s.jobs.VerifyCaseTx(ctx, tx, h.id)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// JobBacklog counts the job queue's jobs waiting to run (the status page).
func (db *DB) JobBacklog(ctx context.Context) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'retryable', 'scheduled')`).Scan(&n)
	return n, translate(err)
}
