package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/casefeed"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Jobs queues background work inside the caller's transaction (River on
// the same database), so a change and the work it causes commit together.
type Jobs interface {
	// VerifyCaseTx queues the processing of a submitted case.
	VerifyCaseTx(ctx context.Context, tx *sql.Tx, caseID string) error
	// DecidedTx runs what follows a decision (webhook deliveries).
	DecidedTx(ctx context.Context, tx *sql.Tx, c *verification.Case, d verification.Decision, at time.Time) error
}

// Cases implements verification.Store.
type Cases struct {
	db   *DB
	jobs Jobs
}

// Cases returns the verification store on db; jobs may be nil (nothing is
// queued: tests that process cases themselves).
func (db *DB) Cases(jobs Jobs) *Cases { return &Cases{db: db, jobs: jobs} }

var _ verification.Store = (*Cases)(nil)

var (
	errCaseNotFound = verification.ErrCaseNotFound
	errCaseChanged  = errs.New(errs.Conflict, "CASE_CHANGED",
		"This verification was changed meanwhile (perhaps on another device). Reload it and try again.",
		"此认证已在别处（可能是其他设备）被修改。请刷新后重试。")
)

func (s *Cases) sealApplicant(c *verification.Case) (string, error) {
	b, err := json.Marshal(c.Applicant)
	if err != nil {
		return "", err
	}
	return s.db.cipher.SealString(string(b), "cases.applicant:"+c.ID)
}

// CreateCase implements verification.Store.
func (s *Cases) CreateCase(ctx context.Context, c *verification.Case, idemKey string) (*verification.Case, error) {
	app, err := s.sealApplicant(c)
	if err != nil {
		return nil, errs.Internalf("seal: %w", err)
	}
	docs, _ := json.Marshal(c.Documents)
	var existing string
	err = s.db.tx(ctx, func(tx *sql.Tx) error {
		if idemKey != "" {
			err := tx.QueryRowContext(ctx, `SELECT case_id FROM idempotency_keys WHERE user_id = $1 AND scope = 'create' AND key = $2`,
				c.UserID, idemKey).Scan(&existing)
			if err == nil {
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, scope, key, case_id, created_at) VALUES ($1, 'create', $2, $3, $4)`,
				c.UserID, idemKey, c.ID, ts(c.CreatedAt)); err != nil {
				return err
			}
		}
		if c.Status == verification.StatusDraft {
			// Count the user's drafts and insert under one lock per user.
			if err := s.db.lockKeys(ctx, tx, "drafts:"+c.UserID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE user_id = $1 AND status = 'draft'`, c.UserID).Scan(&n); err != nil {
				return err
			}
			if n >= verification.MaxOpenDrafts {
				return verification.ErrTooManyDrafts
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cases (id, user_id, level, status, applicant_enc, identity_hash, documents, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.UserID, string(c.Level), string(c.Status), app, c.IdentityHash, string(docs), c.Version, ts(c.CreatedAt), ts(c.UpdatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	if existing != "" {
		return s.Case(ctx, existing)
	}
	return c, nil
}

const caseCols = `id, user_id, level, status, applicant_enc, identity_hash, documents, decision, version, created_at, updated_at, submitted_at`

func (s *Cases) scan(row interface{ Scan(...any) error }) (*verification.Case, error) {
	var c verification.Case
	var level, status, app, docs string
	var dec sql.NullString
	var sub sql.NullTime
	if err := row.Scan(&c.ID, &c.UserID, &level, &status, &app, &c.IdentityHash, &docs, &dec, &c.Version, &c.CreatedAt, &c.UpdatedAt, &sub); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errCaseNotFound
		}
		return nil, translate(err)
	}
	c.Level, c.Status = verification.Level(level), verification.Status(status)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if sub.Valid {
		t := sub.Time.UTC()
		c.SubmittedAt = &t
	}
	plain, err := s.db.cipher.OpenString(app, "cases.applicant:"+c.ID)
	if err != nil {
		return nil, errs.Internalf("open applicant: %w", err)
	}
	if err := json.Unmarshal([]byte(plain), &c.Applicant); err != nil {
		return nil, errs.Internalf("applicant: %w", err)
	}
	if err := json.Unmarshal([]byte(docs), &c.Documents); err != nil {
		return nil, errs.Internalf("documents: %w", err)
	}
	if dec.Valid {
		c.Decision = &verification.Decision{}
		if err := json.Unmarshal([]byte(dec.String), c.Decision); err != nil {
			return nil, errs.Internalf("decision: %w", err)
		}
	}
	return &c, nil
}

// Case implements verification.Store.
func (s *Cases) Case(ctx context.Context, id string) (*verification.Case, error) {
	return s.scan(s.db.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id))
}

// CasesOf implements verification.Store.
func (s *Cases) CasesOf(ctx context.Context, userID string) ([]*verification.Case, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseCols+` FROM cases WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*verification.Case{}
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// UpdateCase implements verification.Store.
func (s *Cases) UpdateCase(ctx context.Context, c *verification.Case) error {
	app, err := s.sealApplicant(c)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	docs, _ := json.Marshal(c.Documents)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkOne(tx.ExecContext(ctx, `UPDATE cases SET applicant_enc = $1, identity_hash = $2, documents = $3, updated_at = $4, version = version + 1
			WHERE id = $5 AND version = $6`, app, c.IdentityHash, string(docs), ts(c.UpdatedAt), c.ID, c.Version)); err != nil {
			return err
		}
		// Another device showing the case refreshes (a photo from the phone).
		return s.db.signalTx(ctx, tx, c.ID, casefeed.KindUpdated, string(c.Status), c.UpdatedAt)
	})
}

func checkOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errCaseChanged
	}
	return nil
}

// insertEvent records a status change; a reviewer's free-text note may
// name the person, so it is sealed.
func (s *Cases) insertEvent(ctx context.Context, tx *sql.Tx, caseID string, ev verification.CaseEvent) error {
	note := ""
	if ev.Note != "" {
		var err error
		if note, err = s.db.cipher.SealString(ev.Note, "case_events.note:"+caseID); err != nil {
			return errs.Internalf("seal: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, from_status, to_status, actor, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		caseID, string(ev.From), string(ev.To), ev.Actor, note, ts(ev.At)); err != nil {
		return err
	}
	if ev.From == ev.To {
		return nil
	}
	// The pages watching the case hear of it on any server (every caller
	// sets the case's updated_at to ev.At).
	if err := s.db.signalTx(ctx, tx, caseID, casefeed.KindStatus, string(ev.To), ev.At); err != nil {
		return err
	}
	// Every status change is in the audit trail too, in the same transaction.
	return appendAuditTx(ctx, s.db, tx, &audit.Event{At: ev.At, Actor: auditActor(ev.Actor), Action: "case.status",
		Subject: caseID, Detail: string(ev.From) + " -> " + string(ev.To)})
}

// auditActor names a case event's actor as the audit trail does.
func auditActor(a string) string {
	if id, ok := strings.CutPrefix(a, "reviewer:"); ok {
		return "user:" + id + " (reviewer)"
	}
	if a == "" {
		return "system"
	}
	return a
}

// SubmitCase implements verification.Store.
func (s *Cases) SubmitCase(ctx context.Context, c *verification.Case, from verification.Status, ev verification.CaseEvent, idemKey string, limit verification.SubmitLimit) (bool, error) {
	replay := false
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if idemKey != "" {
			var prev string
			err := tx.QueryRowContext(ctx, `SELECT case_id FROM idempotency_keys WHERE user_id = $1 AND scope = 'submit' AND key = $2`, c.UserID, idemKey).Scan(&prev)
			if err == nil {
				if prev != c.ID {
					return errs.New(errs.Conflict, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for another verification.", "该 Idempotency-Key 已用于另一个认证。")
				}
				replay = true
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if ev.To == "" { // only asking about a replay
				return nil
			}
			// A concurrent submit with the same key (PostgreSQL: both saw
			// no row) waits here for the other to commit; then this one is
			// its replay, not a unique violation.
			res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, scope, key, case_id, created_at) VALUES ($1, 'submit', $2, $3, $4)
				ON CONFLICT (user_id, scope, key) DO NOTHING`, c.UserID, idemKey, c.ID, ts(ev.At))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if err := tx.QueryRowContext(ctx, `SELECT case_id FROM idempotency_keys WHERE user_id = $1 AND scope = 'submit' AND key = $2`, c.UserID, idemKey).Scan(&prev); err != nil {
					return err
				}
				if prev != c.ID {
					return errs.New(errs.Conflict, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for another verification.", "该 Idempotency-Key 已用于另一个认证。")
				}
				replay = true
				return nil
			}
		}
		if ev.To == "" {
			return nil
		}
		if limit.Max > 0 {
			// One submitter per user at a time (SQLite's write lock does
			// this by itself), then count in the same transaction.
			if s.db.Engine == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, c.UserID); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_submissions WHERE user_id = $1 AND at > $2`, c.UserID, ts(limit.Since)).Scan(&n); err != nil {
				return err
			}
			if n >= limit.Max {
				return verification.ErrNoAttemptsLeft
			}
		}
		if err := checkOne(tx.ExecContext(ctx, `UPDATE cases SET status = $1, submitted_at = $2, updated_at = $3, version = version + 1
			WHERE id = $4 AND version = $5 AND status = $6`, string(ev.To), ts(ev.At), ts(ev.At), c.ID, c.Version, string(from))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_submissions (case_id, user_id, at) VALUES ($1, $2, $3)`, c.ID, c.UserID, ts(ev.At)); err != nil {
			return err
		}
		if err := s.insertEvent(ctx, tx, c.ID, ev); err != nil {
			return err
		}
		if s.jobs != nil {
			if err := s.jobs.VerifyCaseTx(ctx, tx, c.ID); err != nil {
				return err
			}
			sub := *c
			return s.jobs.DecidedTx(ctx, tx, &sub, verification.Decision{Status: ev.To}, ev.At)
		}
		return nil
	})
	return replay, err
}

// Submissions implements verification.Store.
func (s *Cases) Submissions(ctx context.Context, userID string, since time.Time) ([]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at FROM case_submissions WHERE user_id = $1 AND at > $2 ORDER BY at`, userID, ts(since))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, translate(err)
		}
		out = append(out, t.UTC())
	}
	return out, translate(rows.Err())
}

// SetStatus implements verification.Store.
func (s *Cases) SetStatus(ctx context.Context, id string, version int, ev verification.CaseEvent) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkOne(tx.ExecContext(ctx, `UPDATE cases SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = $5`,
			string(ev.To), ts(ev.At), id, version, string(ev.From))); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, id, ev)
	})
}

// SaveDecision implements verification.Store.
func (s *Cases) SaveDecision(ctx context.Context, c *verification.Case, checks []verification.CheckResult, d verification.Decision, ev verification.CaseEvent) error {
	dec, _ := json.Marshal(d)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var round int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(round), 0) + 1 FROM case_checks WHERE case_id = $1`, c.ID).Scan(&round); err != nil {
			return err
		}
		for _, ch := range checks {
			reasons, _ := json.Marshal(nonNilStrings(ch.Reasons))
			detail, _ := json.Marshal(ch.Detail)
			enc, err := s.db.cipher.SealString(string(detail), "case_checks.detail:"+c.ID)
			if err != nil {
				return errs.Internalf("seal: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_checks (case_id, round, kind, outcome, score, engine, engine_version, reasons, field, document, detail_enc, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				c.ID, round, ch.Kind, ch.Outcome, ch.Score, ch.Engine, ch.EngineVersion, string(reasons), ch.Field, ch.Document, enc, ts(ev.At)); err != nil {
				return err
			}
		}
		if err := checkOne(tx.ExecContext(ctx, `UPDATE cases SET status = $1, decision = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5`,
			string(d.Status), string(dec), ts(ev.At), c.ID, c.Version)); err != nil {
			return err
		}
		if err := s.insertEvent(ctx, tx, c.ID, ev); err != nil {
			return err
		}
		if strings.HasPrefix(ev.Actor, "reviewer:") {
			// A person's decision is audited in the same transaction.
			if err := appendAuditTx(ctx, s.db, tx, &audit.Event{At: ev.At, Actor: "user:" + strings.TrimPrefix(ev.Actor, "reviewer:") + " (reviewer)",
				Action: "case.review.decide", Subject: c.ID, Detail: string(d.Status) + " " + strings.Join(d.Reasons, ",")}); err != nil {
				return err
			}
		}
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, user_id, case_id, status, created_at) VALUES ($1, $2, $3, $4, $5)`,
			"msg_"+hex.EncodeToString(b), c.UserID, c.ID, string(d.Status), ts(ev.At)); err != nil {
			return err
		}
		if s.jobs != nil {
			return s.jobs.DecidedTx(ctx, tx, c, d, ev.At)
		}
		return nil
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Events implements verification.Store.
func (s *Cases) Events(ctx context.Context, id string) ([]verification.CaseEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_status, to_status, actor, note, created_at FROM case_events WHERE case_id = $1 ORDER BY created_at`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []verification.CaseEvent
	for rows.Next() {
		var e verification.CaseEvent
		var from, to string
		if err := rows.Scan(&from, &to, &e.Actor, &e.Note, &e.At); err != nil {
			return nil, translate(err)
		}
		e.From, e.To, e.At = verification.Status(from), verification.Status(to), e.At.UTC()
		if e.Note != "" {
			if e.Note, err = s.db.cipher.OpenString(e.Note, "case_events.note:"+id); err != nil {
				return nil, errs.Internalf("open note: %w", err)
			}
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// Checks implements verification.Store.
func (s *Cases) Checks(ctx context.Context, id string) ([]verification.CheckResult, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, outcome, score, engine, engine_version, reasons, field, document, detail_enc FROM case_checks
		WHERE case_id = $1 AND round = (SELECT MAX(round) FROM case_checks WHERE case_id = $1) ORDER BY kind, document`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []verification.CheckResult
	for rows.Next() {
		var c verification.CheckResult
		var reasons, enc string
		if err := rows.Scan(&c.Kind, &c.Outcome, &c.Score, &c.Engine, &c.EngineVersion, &reasons, &c.Field, &c.Document, &enc); err != nil {
			return nil, translate(err)
		}
		_ = json.Unmarshal([]byte(reasons), &c.Reasons)
		if plain, err := s.db.cipher.OpenString(enc, "case_checks.detail:"+id); err == nil {
			_ = json.Unmarshal([]byte(plain), &c.Detail)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// IdentityUsers implements verification.Store.
func (s *Cases) IdentityUsers(ctx context.Context, hash, exceptUser string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT user_id FROM cases WHERE identity_hash = $1 AND user_id <> $2 AND status <> 'draft' ORDER BY user_id`, hash, exceptUser)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, translate(err)
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// otpLockKey is the PostgreSQL advisory lock that serialises one-time code
// sends (any constant unique to this use): few enough that one lock costs
// nothing, and it covers the number, user and address counts at once with no
// lock-order to get wrong. SQLite transactions take the write lock at BEGIN
// (_txlock=immediate), which serialises them the same way.
const otpLockKey = 0x76770071

// SavePhoneCode implements verification.Store.
func (s *Cases) SavePhoneCode(ctx context.Context, send verification.PhoneCodeSend, lim verification.PhoneLimits) error {
	ph := s.db.cipher.BlindIndex("otp-phone", []byte(send.Phone))
	var client []byte
	if send.Client != "" {
		client = s.db.cipher.BlindIndex("otp-client", []byte(send.Client))
	}
	now := ts(send.Now)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if s.db.Engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(otpLockKey)); err != nil {
				return err
			}
		}
		var failures int
		err := tx.QueryRowContext(ctx, `SELECT failures FROM phone_codes WHERE case_id = $1`, send.CaseID).Scan(&failures)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if lim.MaxFailures > 0 && failures >= lim.MaxFailures {
			return errs.New(errs.TooMany, "PHONE_CODE_LOCKED",
				"Too many wrong codes for this verification. Contact support to confirm your number.",
				"此认证输入错误验证码的次数过多，请联系客服确认手机号。")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM phone_code_sends WHERE sent_at <= $1`, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		var sends verification.PhoneSends
		if sends.Phone, err = sendTimes(ctx, tx, `phone_hash`, ph, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		if sends.User, err = sendTimes(ctx, tx, `user_id`, send.UserID, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		if client != nil {
			if sends.Client, err = sendTimes(ctx, tx, `client_hash`, client, now.Add(-time.Hour)); err != nil {
				return err
			}
		}
		if err := lim.Check(now, sends); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO phone_code_sends (phone_hash, user_id, client_hash, sent_at) VALUES ($1, $2, $3, $4)`,
			ph, send.UserID, client, now); err != nil {
			return err
		}
		if !exists {
			_, err := tx.ExecContext(ctx, `INSERT INTO phone_codes (case_id, phone_hash, code_hash, expires_at, tries, failures, sends, window_start, last_sent_at)
				VALUES ($1, $2, $3, $4, 0, 0, 1, $5, $5)`, send.CaseID, ph, send.CodeHash, ts(send.Expires), now)
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE phone_codes SET phone_hash = $1, code_hash = $2, expires_at = $3, tries = 0, sends = sends + 1,
			last_sent_at = $4 WHERE case_id = $5`, ph, send.CodeHash, ts(send.Expires), now, send.CaseID)
		return err
	})
}

// sendTimes lists the one-time code sends whose column equals v since a
// time, oldest first. column is one of a fixed set, never input.
func sendTimes(ctx context.Context, tx *sql.Tx, column string, v any, since time.Time) ([]time.Time, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sent_at FROM phone_code_sends WHERE `+column+` = $1 AND sent_at > $2 ORDER BY sent_at`, v, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t.UTC())
	}
	return out, rows.Err()
}

// UsePhoneCode implements verification.Store. A code dies after 5 wrong
// tries or its expiry; the case's counters (sends, failures) are kept.
func (s *Cases) UsePhoneCode(ctx context.Context, caseID string, codeHash []byte, phone string, now time.Time) (bool, error) {
	ph := s.db.cipher.BlindIndex("otp-phone", []byte(phone))
	ok := false
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var storedPhone, storedCode []byte
		var expires time.Time
		// The try is counted first, in one statement that takes the row's
		// lock: concurrent confirmations queue behind it and see its count
		// (PostgreSQL re-reads a row it waited for), so a burst is compared
		// at most five times and a code is used once.
		err := tx.QueryRowContext(ctx, `UPDATE phone_codes SET tries = tries + 1 WHERE case_id = $1 AND tries < 5
			RETURNING phone_hash, code_hash, expires_at`, caseID).Scan(&storedPhone, &storedCode, &expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && now.Before(expires) && subtle.ConstantTimeCompare(storedPhone, ph) == 1 && subtle.ConstantTimeCompare(storedCode, codeHash) == 1 {
			ok = true
			_, err := tx.ExecContext(ctx, `DELETE FROM phone_codes WHERE case_id = $1`, caseID)
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE phone_codes SET failures = failures + 1 WHERE case_id = $1`, caseID)
		return err
	})
	return ok, err
}

// Message is an in-app message about a case's outcome.
type Message struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"`
	// TicketID is the support ticket a "support_reply" message is about.
	TicketID  string     `json:"ticket_id,omitempty"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// Messages lists a user's in-app messages, newest first.
func (s *Cases) Messages(ctx context.Context, userID string, limit int) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, status, created_at, read_at, ticket_id FROM messages WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`,
		userID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var read sql.NullTime
		var ticket sql.NullString
		if err := rows.Scan(&m.ID, &m.CaseID, &m.Status, &m.CreatedAt, &read, &ticket); err != nil {
			return nil, translate(err)
		}
		m.CreatedAt, m.TicketID = m.CreatedAt.UTC(), ticket.String
		if read.Valid {
			t := read.Time.UTC()
			m.ReadAt = &t
		}
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// CasesInStatus implements verification.ReviewStore.
func (s *Cases) CasesInStatus(ctx context.Context, status verification.Status, limit int) ([]*verification.Case, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseCols+` FROM cases WHERE status = $1 ORDER BY updated_at, id LIMIT $2`, string(status), limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*verification.Case{}
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
