package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/internal/casefeed"
)

// signalChannel is the PostgreSQL NOTIFY channel of case signals.
const signalChannel = "veriwallet_case_signals"

// signalKeep is how long signal rows are kept (the SQLite poll reads only
// the newest; the rows also date commits for latency measurements).
const signalKeep = time.Hour

// signalPayload is a NOTIFY payload (well under PostgreSQL's 8,000 bytes).
type signalPayload struct {
	Case   string `json:"c"`
	Kind   string `json:"k"`
	Status string `json:"s"`
	Upd    int64  `json:"u"` // the case's updated_at, unix microseconds
	At     int64  `json:"t"` // unix microseconds
}

// signalTx records, in the transaction that changes a case, that it
// changed: a case_signals row (read by the SQLite poll) and, on PostgreSQL,
// a NOTIFY, delivered to every server's listener when tx commits (never if
// it rolls back). The time is taken now, as late in the transaction as
// the caller can, so it dates the commit within a few milliseconds.
func (db *DB) signalTx(ctx context.Context, tx *sql.Tx, caseID, kind, status string, updated time.Time) error {
	at, updated := ts(time.Now()), ts(updated)
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_signals (case_id, kind, status, updated_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		caseID, kind, status, updated, at); err != nil {
		return err
	}
	if db.Engine != Postgres {
		return nil
	}
	b, _ := json.Marshal(signalPayload{Case: caseID, Kind: kind, Status: status, Upd: updated.UnixMicro(), At: at.UnixMicro()})
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, signalChannel, string(b))
	return err
}

// SignalTime returns when the newest signal of caseID with status was
// written (in the transaction that committed it): benchmarks and tests
// measure from it. Errors: NotFound.
func (db *DB) SignalTime(ctx context.Context, caseID, status string) (time.Time, error) {
	var at time.Time
	err := db.QueryRowContext(ctx, `SELECT created_at FROM case_signals WHERE case_id = $1 AND status = $2 AND kind = $3
		ORDER BY seq DESC LIMIT 1`, caseID, status, casefeed.KindStatus).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errCaseNotFound
	}
	return at.UTC(), translate(err)
}

// CaseSignals is the casefeed.Source of this database: LISTEN on
// PostgreSQL, a poll every Every on SQLite.
type CaseSignals struct {
	db *DB
	// Every is the SQLite poll interval (0: 50 ms): one small query per
	// process, whatever the number of open streams.
	Every time.Duration
	runs  int   // Run calls so far: on PostgreSQL every one after the first follows a gap
	last  int64 // SQLite: the newest seq seen (kept across restarts of the poll)
	pid   atomic.Uint32
}

// ListenerPID is the PostgreSQL backend process of the listening
// connection (0: none yet, or SQLite); tests end it to check the reconnect.
func (s *CaseSignals) ListenerPID() uint32 { return s.pid.Load() }

// CaseSignals returns the database's source of case events.
func (db *DB) CaseSignals() *CaseSignals { return &CaseSignals{db: db} }

var _ casefeed.Source = (*CaseSignals)(nil)

// Run implements casefeed.Source. It returns when ctx ends, or with the
// error that broke the listener or the poll (the hub restarts it).
func (s *CaseSignals) Run(ctx context.Context, publish func(casefeed.Event)) error {
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-prune.C:
				_, _ = s.db.ExecContext(ctx, `DELETE FROM case_signals WHERE created_at < $1`, ts(time.Now().Add(-signalKeep)))
			}
		}
	}()
	s.runs++
	if s.db.Engine == Postgres {
		return s.listen(ctx, publish)
	}
	return s.poll(ctx, publish)
}

// listen holds a connection of its own (not the pool's: LISTEN belongs to
// the session) and waits for notifications.
func (s *CaseSignals) listen(ctx context.Context, publish func(casefeed.Event)) error {
	cfg := s.db.Pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "veriwallet case signals"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("case signals: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	s.pid.Store(conn.PgConn().PID())
	defer s.pid.Store(0)
	if _, err := conn.Exec(ctx, "LISTEN "+signalChannel); err != nil {
		return fmt.Errorf("case signals: listen: %w", err)
	}
	if s.runs > 1 {
		// What was committed while no listener was up is lost to this
		// one: every page fetches its case again.
		publish(casefeed.Event{Kind: casefeed.KindSync})
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("case signals: %w", err)
		}
		var p signalPayload
		if json.Unmarshal([]byte(n.Payload), &p) != nil || p.Case == "" {
			continue // not ours
		}
		ev := casefeed.Event{CaseID: p.Case, Kind: p.Kind, Status: p.Status, At: time.UnixMicro(p.At).UTC()}
		if p.Upd != 0 {
			ev.UpdatedAt = time.UnixMicro(p.Upd).UTC()
		}
		publish(ev)
	}
}

// poll reads the signals committed after the last one seen. SQLite
// commits one writer at a time, so seq grows in commit order and nothing
// committed later can carry a smaller seq.
func (s *CaseSignals) poll(ctx context.Context, publish func(casefeed.Event)) error {
	every := s.Every
	if every <= 0 {
		every = 50 * time.Millisecond
	}
	if s.runs == 1 {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM case_signals`).Scan(&s.last); err != nil {
			s.runs = 0 // start from the newest again
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("case signals: %w", err)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		for { // all that is new, 500 at a time
			n, err := s.read(ctx, &s.last, publish)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("case signals: %w", err)
			}
			if n < 500 {
				break
			}
		}
	}
}

func (s *CaseSignals) read(ctx context.Context, last *int64, publish func(casefeed.Event)) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, case_id, kind, status, updated_at, created_at FROM case_signals WHERE seq > $1 ORDER BY seq LIMIT 500`, *last)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var ev casefeed.Event
		var seq int64
		if err := rows.Scan(&seq, &ev.CaseID, &ev.Kind, &ev.Status, &ev.UpdatedAt, &ev.At); err != nil {
			return n, err
		}
		ev.At, ev.UpdatedAt = ev.At.UTC(), ev.UpdatedAt.UTC()
		*last = seq
		n++
		publish(ev)
	}
	return n, rows.Err()
}
