package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// Accounts implements identity.Store.
type Accounts struct{ db *DB }

// Accounts returns the identity store on db.
func (db *DB) Accounts() *Accounts { return &Accounts{db: db} }

var _ identity.Store = (*Accounts)(nil)

func (a *Accounts) index(kind identity.LoginKind, value string) []byte {
	return a.db.cipher.BlindIndex("login:"+string(kind), []byte(value))
}

// sealOpt encrypts v (bound to the row id and column) or returns NULL for "".
func (a *Accounts) sealOpt(v, aad string) (any, error) {
	if v == "" {
		return nil, nil
	}
	return a.db.cipher.SealString(v, aad)
}

// CreateUser implements identity.Store.
func (a *Accounts) CreateUser(ctx context.Context, u *identity.User, hash string, consents []identity.Consent) error {
	var emailIdx, phoneIdx any
	if u.Email != "" {
		emailIdx = a.index(identity.ByEmail, u.Email)
	}
	if u.Phone != "" {
		phoneIdx = a.index(identity.ByPhone, u.Phone)
	}
	emailEnc, err := a.sealOpt(u.Email, "users.email:"+u.ID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	phoneEnc, err := a.sealOpt(u.Phone, "users.phone:"+u.ID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if emailIdx != nil && exists(ctx, tx, `SELECT 1 FROM users WHERE email_index = $1`, emailIdx) {
			return identity.ErrEmailTaken()
		}
		if phoneIdx != nil && exists(ctx, tx, `SELECT 1 FROM users WHERE phone_index = $1`, phoneIdx) {
			return identity.ErrPhoneTaken()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email_index, email_enc, phone_index, phone_enc, password_hash, role, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			u.ID, emailIdx, emailEnc, phoneIdx, phoneEnc, hash, string(u.Role), ts(u.CreatedAt))
		if isUnique(err) { // lost a race with a concurrent registration
			if u.Email != "" {
				return identity.ErrEmailTaken()
			}
			return identity.ErrPhoneTaken()
		}
		if err != nil {
			return err
		}
		for _, c := range consents {
			if _, err := tx.ExecContext(ctx, `INSERT INTO consents (user_id, document, version, accepted_at) VALUES ($1, $2, $3, $4)`,
				u.ID, c.Document, c.Version, ts(c.AcceptedAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

func exists(ctx context.Context, tx *sql.Tx, q string, args ...any) bool {
	var one int
	return tx.QueryRowContext(ctx, q, args...).Scan(&one) == nil
}

const userCols = `id, email_enc, phone_enc, role, created_at, password_hash, closed_at`

func (a *Accounts) scanUser(row interface{ Scan(...any) error }) (*identity.User, string, error) {
	var u identity.User
	var email, phone sql.NullString
	var role, hash string
	var closed sql.NullTime
	if err := row.Scan(&u.ID, &email, &phone, &role, &u.CreatedAt, &hash, &closed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", identity.ErrUserNotFound()
		}
		return nil, "", translate(err)
	}
	u.Role = identity.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	if closed.Valid {
		t := closed.Time.UTC()
		u.ClosedAt = &t
	}
	var err error
	if email.Valid {
		if u.Email, err = a.db.cipher.OpenString(email.String, "users.email:"+u.ID); err != nil {
			return nil, "", errs.Internalf("open email: %w", err)
		}
	}
	if phone.Valid {
		if u.Phone, err = a.db.cipher.OpenString(phone.String, "users.phone:"+u.ID); err != nil {
			return nil, "", errs.Internalf("open phone: %w", err)
		}
	}
	return &u, hash, nil
}

// UserByLogin implements identity.Store.
func (a *Accounts) UserByLogin(ctx context.Context, kind identity.LoginKind, value string) (*identity.User, string, error) {
	col := "email_index"
	if kind == identity.ByPhone {
		col = "phone_index"
	}
	idx := a.index(kind, value)
	u, hash, err := a.scanUser(a.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+col+` = $1`, idx))
	if errs.KindOf(err) == errs.NotFound {
		// A closed account (the latest one), so that its login is told so.
		u, hash, err = a.scanUser(a.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE closed_`+col+` = $1
			AND purged_at IS NULL ORDER BY closed_at DESC LIMIT 1`, idx))
	}
	return u, hash, err
}

// UserByID implements identity.Store.
func (a *Accounts) UserByID(ctx context.Context, id string) (*identity.User, error) {
	u, _, err := a.scanUser(a.db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, err
}

// SetPassword implements identity.Store.
func (a *Accounts) SetPassword(ctx context.Context, userID, hash string) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return identity.ErrUserNotFound()
		}
		return nil
	})
}

// AddConsent implements identity.Store.
func (a *Accounts) AddConsent(ctx context.Context, userID string, c identity.Consent) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if !exists(ctx, tx, `SELECT 1 FROM users WHERE id = $1`, userID) {
			return identity.ErrUserNotFound()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO consents (user_id, document, version, accepted_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, document, version) DO NOTHING`, userID, c.Document, c.Version, ts(c.AcceptedAt))
		return err
	})
}

// Consents implements identity.Store.
func (a *Accounts) Consents(ctx context.Context, userID string) ([]identity.Consent, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT document, version, accepted_at FROM consents WHERE user_id = $1 ORDER BY accepted_at, document`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []identity.Consent
	for rows.Next() {
		var c identity.Consent
		if err := rows.Scan(&c.Document, &c.Version, &c.AcceptedAt); err != nil {
			return nil, translate(err)
		}
		c.AcceptedAt = c.AcceptedAt.UTC()
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// CreateSession implements identity.Store.
func (a *Accounts) CreateSession(ctx context.Context, s *identity.Session, tokenHash []byte) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, token_hash, kind, user_agent, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			s.ID, s.UserID, tokenHash, s.Kind, s.UserAgent, ts(s.CreatedAt), ts(s.LastSeenAt), ts(s.ExpiresAt))
		return err
	})
}

const sessionCols = `s.id, s.user_id, s.kind, s.user_agent, s.created_at, s.last_seen_at, s.expires_at`

func scanSession(row interface{ Scan(...any) error }, extra ...any) (*identity.Session, error) {
	var s identity.Session
	dest := append([]any{&s.ID, &s.UserID, &s.Kind, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, identity.ErrSessionNotFound()
		}
		return nil, translate(err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

// SessionByToken implements identity.Store.
func (a *Accounts) SessionByToken(ctx context.Context, tokenHash []byte) (*identity.Session, *identity.User, error) {
	s, err := scanSession(a.db.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL`, tokenHash))
	if err != nil {
		return nil, nil, err
	}
	u, err := a.UserByID(ctx, s.UserID)
	if err != nil {
		return nil, nil, err
	}
	return s, u, nil
}

// TouchSession implements identity.Store.
func (a *Accounts) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	_, err := a.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3`, ts(seen), ts(expires), id)
	return translate(err)
}

// ListSessions implements identity.Store.
func (a *Accounts) ListSessions(ctx context.Context, userID string, now time.Time) ([]identity.Session, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 ORDER BY s.created_at DESC, s.id`, userID, ts(now))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []identity.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, translate(rows.Err())
}

// RevokeSession implements identity.Store.
func (a *Accounts) RevokeSession(ctx context.Context, userID, sessionID string, at time.Time) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`,
			ts(at), sessionID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return identity.ErrSessionNotFound()
		}
		return nil
	})
}

func (a *Accounts) failureKey(key string) []byte {
	return a.db.cipher.BlindIndex("login-failure", []byte(key))
}

// BeginLogin implements identity.Store.
func (a *Accounts) BeginLogin(ctx context.Context, id string, limits []identity.LoginLimit, at, before, since, pendingSince time.Time) (identity.LoginCheck, error) {
	var chk identity.LoginCheck
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = "login:" + l.Key
	}
	err := a.db.tx(ctx, func(tx *sql.Tx) error {
		chk = identity.LoginCheck{}
		if err := a.db.lockKeys(ctx, tx, keys...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, ts(before)); err != nil {
			return err
		}
		for _, l := range limits {
			if l.Max <= 0 {
				continue
			}
			// One statement: the rows under the key (few: attempts stop
			// being recorded at the limit), failures and attempts in progress.
			rows, err := tx.QueryContext(ctx, `SELECT at, attempt FROM login_failures WHERE key_hash = $1 AND at > $2 ORDER BY at`, a.failureKey(l.Key), ts(since))
			if err != nil {
				return err
			}
			failures, pending := 0, 0
			var oldest time.Time
			for rows.Next() {
				var t time.Time
				var att string
				if err := rows.Scan(&t, &att); err != nil {
					rows.Close()
					return err
				}
				switch {
				case att == "":
					if failures == 0 {
						oldest = t.UTC()
					}
					failures++
				case t.After(pendingSince):
					pending++
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if failures >= l.Max {
				chk.Throttled, chk.Oldest = l.Key, oldest
				return nil
			}
			if failures+pending >= l.Max {
				chk.Busy = true
			}
		}
		if chk.Busy {
			return nil
		}
		for _, l := range limits {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key_hash, at, attempt) VALUES ($1, $2, $3)`, a.failureKey(l.Key), ts(at), id); err != nil {
				return err
			}
		}
		return nil
	})
	return chk, err
}

// EndLogin implements identity.Store.
func (a *Accounts) EndLogin(ctx context.Context, id string, failed bool) error {
	var err error
	if failed {
		_, err = a.db.ExecContext(ctx, `UPDATE login_failures SET attempt = '' WHERE attempt = $1`, id)
	} else {
		_, err = a.db.ExecContext(ctx, `DELETE FROM login_failures WHERE attempt = $1`, id)
	}
	return translate(err)
}

// TakeRegistration implements identity.Store.
func (a *Accounts) TakeRegistration(ctx context.Context, key string, max int, at, since time.Time) (bool, time.Time, error) {
	ok, oldest := false, time.Time{}
	k := a.db.cipher.BlindIndex("register-attempt", []byte(key))
	err := a.db.tx(ctx, func(tx *sql.Tx) error {
		if err := a.db.lockKeys(ctx, tx, "register:"+key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM register_attempts WHERE at <= $1`, ts(since)); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM register_attempts WHERE key_hash = $1`, k).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return tx.QueryRowContext(ctx, `SELECT at FROM register_attempts WHERE key_hash = $1 ORDER BY at LIMIT 1`, k).Scan(&oldest)
		}
		ok = true
		_, err := tx.ExecContext(ctx, `INSERT INTO register_attempts (key_hash, at) VALUES ($1, $2)`, k, ts(at))
		return err
	})
	return ok, oldest.UTC(), err
}

// ClearLoginFailures implements identity.Store.
func (a *Accounts) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := a.db.ExecContext(ctx, `DELETE FROM login_failures WHERE key_hash = $1 AND attempt = ''`, a.failureKey(key))
	return translate(err)
}

// CreateHandoff implements identity.HandoffStore.
func (a *Accounts) CreateHandoff(ctx context.Context, tokenHash []byte, userID, caseID string, expires time.Time) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO handoffs (token_hash, user_id, case_id, expires_at) VALUES ($1, $2, $3, $4)`,
			tokenHash, userID, caseID, ts(expires))
		return err
	})
}

// UseHandoff implements identity.HandoffStore: one UPDATE spends the link,
// so two concurrent redemptions cannot both succeed.
func (a *Accounts) UseHandoff(ctx context.Context, tokenHash []byte, now time.Time) (string, string, error) {
	var userID, caseID string
	err := a.db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE handoffs SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
			RETURNING user_id, case_id`, ts(now), tokenHash).Scan(&userID, &caseID)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrHandoffInvalid()
		}
		return err
	})
	return userID, caseID, err
}

// PeekHandoff implements identity.HandoffStore.
func (a *Accounts) PeekHandoff(ctx context.Context, tokenHash []byte, now time.Time) (string, error) {
	var userID string
	err := a.db.QueryRowContext(ctx, `SELECT user_id FROM handoffs WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		tokenHash, ts(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", identity.ErrHandoffInvalid()
	}
	return userID, translate(err)
}
