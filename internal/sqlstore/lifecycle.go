package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
)

var _ identity.LifecycleStore = (*Accounts)(nil)

// SendCode implements identity.LifecycleStore.
func (a *Accounts) SendCode(ctx context.Context, send identity.CodeSend, check func(target, client []time.Time) error, code *identity.AccountCode) error {
	th := a.db.cipher.BlindIndex("account-code-target", []byte(send.Target))
	var ch []byte
	if send.Client != "" {
		ch = a.db.cipher.BlindIndex("otp-client", []byte(send.Client))
	}
	var target any
	if code != nil && code.Target != "" {
		t, err := a.db.cipher.SealString(code.Target, "account_codes.target:"+code.ID)
		if err != nil {
			return errs.Internalf("seal: %w", err)
		}
		target = t
	}
	now := ts(send.At)
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if err := a.db.lockKeys(ctx, tx, "account-code:"+send.Target); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_code_sends WHERE sent_at <= $1`, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		times := func(col string, v []byte, since time.Time) ([]time.Time, error) {
			rows, err := tx.QueryContext(ctx, `SELECT sent_at FROM account_code_sends WHERE `+col+` = $1 AND sent_at > $2 ORDER BY sent_at`, v, since)
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
		tt, err := times("target_hash", th, now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		var ct []time.Time
		if ch != nil {
			if ct, err = times("client_hash", ch, now.Add(-time.Hour)); err != nil {
				return err
			}
		}
		if err := check(tt, ct); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_code_sends (target_hash, client_hash, sent_at) VALUES ($1, $2, $3)`, th, ch, now); err != nil {
			return err
		}
		if code == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_codes WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, code.UserID, code.Purpose); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO account_codes (id, user_id, purpose, code_hash, target, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			code.ID, code.UserID, code.Purpose, code.Hash, target, ts(code.Expires))
		return err
	})
}

// SaveCode implements identity.LifecycleStore.
func (a *Accounts) SaveCode(ctx context.Context, code *identity.AccountCode) error {
	var target any
	if code.Target != "" {
		t, err := a.db.cipher.SealString(code.Target, "account_codes.target:"+code.ID)
		if err != nil {
			return errs.Internalf("seal: %w", err)
		}
		target = t
	}
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_codes WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, code.UserID, code.Purpose); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account_codes (id, user_id, purpose, code_hash, target, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			code.ID, code.UserID, code.Purpose, code.Hash, target, ts(code.Expires))
		return err
	})
}

func (a *Accounts) scanCode(row interface{ Scan(...any) error }) (*identity.AccountCode, error) {
	var c identity.AccountCode
	var target sql.NullString
	if err := row.Scan(&c.ID, &c.UserID, &c.Purpose, &c.Hash, &target, &c.Expires); err != nil {
		return nil, err
	}
	c.Expires = c.Expires.UTC()
	if target.Valid {
		t, err := a.db.cipher.OpenString(target.String, "account_codes.target:"+c.ID)
		if err != nil {
			return nil, errs.Internalf("open target: %w", err)
		}
		c.Target = t
	}
	return &c, nil
}

const codeCols = `id, user_id, purpose, code_hash, target, expires_at`

// UseCode implements identity.LifecycleStore.
func (a *Accounts) UseCode(ctx context.Context, userID, purpose string, hash []byte, now time.Time, maxTries int) (*identity.AccountCode, error) {
	var out *identity.AccountCode
	wrong := false
	err := a.db.tx(ctx, func(tx *sql.Tx) error {
		out, wrong = nil, false
		if err := a.db.lockKeys(ctx, tx, "account-code-use:"+userID); err != nil {
			return err
		}
		c, err := a.scanCode(tx.QueryRowContext(ctx, `SELECT `+codeCols+` FROM account_codes
			WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 AND tries < $4`, userID, purpose, ts(now), maxTries))
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrCodeWrong()
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(c.Hash, hash) != 1 {
			_, err := tx.ExecContext(ctx, `UPDATE account_codes SET tries = tries + 1 WHERE id = $1`, c.ID)
			wrong = true // the try is committed, then the code refused
			return err
		}
		out = c
		_, err = tx.ExecContext(ctx, `UPDATE account_codes SET used_at = $1 WHERE id = $2`, ts(now), c.ID)
		return err
	})
	if err == nil && wrong {
		return nil, identity.ErrCodeWrong()
	}
	return out, err
}

// LinkUser implements identity.LifecycleStore.
func (a *Accounts) LinkUser(ctx context.Context, purpose string, hash []byte, now time.Time) (string, error) {
	var uid string
	err := a.db.QueryRowContext(ctx, `SELECT user_id FROM account_codes WHERE code_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		hash, purpose, ts(now)).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", identity.ErrCodeWrong()
	}
	return uid, translate(err)
}

// UseLink implements identity.LifecycleStore.
func (a *Accounts) UseLink(ctx context.Context, purpose string, hash []byte, now time.Time) (*identity.AccountCode, error) {
	var out *identity.AccountCode
	err := a.db.tx(ctx, func(tx *sql.Tx) error {
		c, err := a.scanCode(tx.QueryRowContext(ctx, `UPDATE account_codes SET used_at = $1
			WHERE code_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING `+codeCols, ts(now), hash, purpose))
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrCodeWrong()
		}
		out = c
		return err
	})
	return out, err
}

func (a *Accounts) addNoticeTx(ctx context.Context, tx *sql.Tx, n *identity.Notice) error {
	if n == nil {
		return nil
	}
	body, _ := json.Marshal(map[string]string{"en": n.EN, "zh": n.ZH, "session_id": n.SessionID})
	sealed, err := a.db.cipher.SealString(string(body), "account_notices.body:"+n.ID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO account_notices (id, user_id, kind, body, created_at) VALUES ($1, $2, $3, $4, $5)`,
		n.ID, n.UserID, n.Kind, sealed, ts(n.CreatedAt))
	return err
}

// UpdatePassword implements identity.LifecycleStore.
func (a *Accounts) UpdatePassword(ctx context.Context, userID, hash, keep string, at, blockUntil time.Time, n *identity.Notice) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND closed_at IS NULL`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return identity.ErrUserNotFound()
		}
		if !blockUntil.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET sends_blocked_until = $1 WHERE id = $2`, ts(blockUntil), userID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3`,
			ts(at), userID, keep); err != nil {
			return err
		}
		action := "account.password.change"
		if keep == "" {
			action = "account.password.reset"
		}
		if err := appendAuditTx(ctx, a.db, tx, &audit.Event{At: ts(at), Actor: "user:" + userID, Action: action, Subject: userID}); err != nil {
			return err
		}
		return a.addNoticeTx(ctx, tx, n)
	})
}

// ChangePhone implements identity.LifecycleStore.
func (a *Accounts) ChangePhone(ctx context.Context, userID, phone string, n *identity.Notice) error {
	idx := a.index(identity.ByPhone, phone)
	enc, err := a.db.cipher.SealString(phone, "users.phone:"+userID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if exists(ctx, tx, `SELECT 1 FROM users WHERE phone_index = $1 AND id <> $2`, idx, userID) {
			return identity.ErrPhoneTaken()
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET phone_index = $1, phone_enc = $2 WHERE id = $3 AND closed_at IS NULL`, idx, enc, userID)
		if isUnique(err) {
			return identity.ErrPhoneTaken()
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return identity.ErrUserNotFound()
		}
		if err := appendAuditTx(ctx, a.db, tx, &audit.Event{At: ts(n.CreatedAt), Actor: "user:" + userID, Action: "account.phone.change", Subject: userID}); err != nil {
			return err
		}
		return a.addNoticeTx(ctx, tx, n)
	})
}

// SendsBlockedUntil implements identity.LifecycleStore.
func (a *Accounts) SendsBlockedUntil(ctx context.Context, userID string) (time.Time, error) {
	var t sql.NullTime
	err := a.db.QueryRowContext(ctx, `SELECT sends_blocked_until FROM users WHERE id = $1`, userID).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, identity.ErrUserNotFound()
	}
	if err != nil || !t.Valid {
		return time.Time{}, translate(err)
	}
	return t.Time.UTC(), nil
}

// RememberLogin implements identity.LifecycleStore.
func (a *Accounts) RememberLogin(ctx context.Context, userID, device, network string, at time.Time) (newDevice, newNetwork, first bool, err error) {
	err = a.db.tx(ctx, func(tx *sql.Tx) error {
		newDevice, newNetwork, first = false, false, false
		if err := a.db.lockKeys(ctx, tx, "known-logins:"+userID); err != nil {
			return err
		}
		first = !exists(ctx, tx, `SELECT 1 FROM known_logins WHERE user_id = $1`, userID)
		for _, v := range []struct {
			kind, value string
			isNew       *bool
		}{{"device", device, &newDevice}, {"network", network, &newNetwork}} {
			if v.value == "" {
				continue
			}
			h := a.db.cipher.BlindIndex("known-login:"+v.kind, []byte(v.value))
			if exists(ctx, tx, `SELECT 1 FROM known_logins WHERE user_id = $1 AND kind = $2 AND value_hash = $3`, userID, v.kind, h) {
				continue
			}
			*v.isNew = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO known_logins (user_id, kind, value_hash, first_at) VALUES ($1, $2, $3, $4)`,
				userID, v.kind, h, ts(at)); err != nil {
				return err
			}
		}
		return nil
	})
	return newDevice, newNetwork, first, err
}

// AddNotice implements identity.LifecycleStore.
func (a *Accounts) AddNotice(ctx context.Context, n *identity.Notice) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error { return a.addNoticeTx(ctx, tx, n) })
}

// Notices implements identity.LifecycleStore.
func (a *Accounts) Notices(ctx context.Context, userID string, limit int) ([]identity.Notice, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT id, kind, body, created_at FROM account_notices WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2`, userID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []identity.Notice{}
	for rows.Next() {
		n := identity.Notice{UserID: userID}
		var body string
		if err := rows.Scan(&n.ID, &n.Kind, &body, &n.CreatedAt); err != nil {
			return nil, translate(err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		plain, err := a.db.cipher.OpenString(body, "account_notices.body:"+n.ID)
		if err != nil {
			return nil, errs.Internalf("open notice: %w", err)
		}
		var b map[string]string
		if err := json.Unmarshal([]byte(plain), &b); err != nil {
			return nil, errs.Internalf("notice: %w", err)
		}
		n.EN, n.ZH, n.SessionID = b["en"], b["zh"], b["session_id"]
		out = append(out, n)
	}
	return out, translate(rows.Err())
}

// CloseAccount implements identity.LifecycleStore. The login indexes move
// to closed_email_index/closed_phone_index; email_index/phone_index get a
// keyed hash of the account id, which no login matches, so the address may
// register again at once.
func (a *Accounts) CloseAccount(ctx context.Context, userID string, at, purgeAfter time.Time) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		var closed sql.NullTime
		var emailIdx, phoneIdx []byte
		err := tx.QueryRowContext(ctx, `SELECT closed_at, email_index, phone_index FROM users WHERE id = $1`, userID).Scan(&closed, &emailIdx, &phoneIdx)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrUserNotFound()
		}
		if err != nil {
			return err
		}
		if closed.Valid {
			return identity.ErrAccountClosed()
		}
		var newEmail, newPhone any
		if emailIdx != nil {
			newEmail = a.db.cipher.BlindIndex("closed-email", []byte(userID))
		}
		if phoneIdx != nil {
			newPhone = a.db.cipher.BlindIndex("closed-phone", []byte(userID))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET closed_at = $1, purge_after = $2, closed_email_index = email_index,
			closed_phone_index = phone_index, email_index = $3, phone_index = $4 WHERE id = $5`,
			ts(at), ts(purgeAfter), newEmail, newPhone, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, ts(at), userID); err != nil {
			return err
		}
		return appendAuditTx(ctx, a.db, tx, &audit.Event{At: ts(at), Actor: "user:" + userID, Action: "account.close", Subject: userID,
			Detail: "purge after " + ts(purgeAfter).Format(time.RFC3339)})
	})
}

// ClosureBlocker implements identity.ClosureBlocker: a case that is
// submitted, being processed, waiting for a reviewer or on hold keeps the
// account open. Errors: Conflict OPEN_REVIEW.
func (s *Cases) ClosureBlocker(ctx context.Context, userID string) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE user_id = $1 AND status IN ('submitted', 'processing', 'manual_review', 'on_hold')`,
		userID).Scan(&n)
	if err != nil {
		return translate(err)
	}
	if n > 0 {
		return errs.New(errs.Conflict, "OPEN_REVIEW",
			"A verification of yours is still being reviewed. The account can be closed once it is decided.",
			"您有实名认证仍在审核中，审核结束后才能注销账户。")
	}
	return nil
}

// PurgeDue lists closed accounts whose retention period ended by now and
// that are not purged yet, oldest first.
func (a *Accounts) PurgeDue(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return a.db.queryStrings(ctx, `SELECT id FROM users WHERE closed_at IS NOT NULL AND purged_at IS NULL AND purge_after <= $1
		ORDER BY purge_after, id LIMIT $2`, ts(now), limit)
}

// DocumentIDs lists every document of a user (for deleting their files).
func (a *Accounts) DocumentIDs(ctx context.Context, userID string) ([]string, error) {
	return a.db.queryStrings(ctx, `SELECT id FROM documents WHERE owner_id = $1 ORDER BY id`, userID)
}

// Shred crypto-shreds a closed account's personal data in one transaction:
// every sealed column of the account, its cases, checks, documents'
// readings, uploads and notices is overwritten (the envelope holds the
// wrapped data key, so the data can never be opened again), its keyed
// hashes (login, duplicate identity) are cleared, its documents are marked
// purged and the purge is audited. The rows stay, without personal data.
// Call it after the documents' files are deleted.
func (a *Accounts) Shred(ctx context.Context, userID string, at time.Time) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		var closed sql.NullTime
		var purged sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT closed_at, purged_at FROM users WHERE id = $1`, userID).Scan(&closed, &purged)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrUserNotFound()
		}
		if err != nil {
			return err
		}
		if !closed.Valid || purged.Valid {
			return nil // open (never purged) or done already
		}
		now := ts(at)
		for _, q := range []string{
			`UPDATE users SET email_enc = NULL, phone_enc = NULL, closed_email_index = NULL, closed_phone_index = NULL,
				password_hash = '', purged_at = $2 WHERE id = $1`,
			`UPDATE cases SET applicant_enc = '', identity_hash = '' WHERE user_id = $1`,
			`UPDATE case_checks SET detail_enc = '' WHERE case_id IN (SELECT id FROM cases WHERE user_id = $1)`,
			`UPDATE document_readings SET reading_enc = '' WHERE document_id IN (SELECT id FROM documents WHERE owner_id = $1)`,
			`UPDATE documents SET purged_at = $2 WHERE owner_id = $1 AND purged_at IS NULL`,
			`UPDATE uploads SET meta_enc = '' WHERE owner_id = $1`,
			`UPDATE account_notices SET body = '' WHERE user_id = $1`,
			`DELETE FROM account_codes WHERE user_id = $1`,
			`DELETE FROM known_logins WHERE user_id = $1`,
			`DELETE FROM phone_codes WHERE case_id IN (SELECT id FROM cases WHERE user_id = $1)`,
			`DELETE FROM handoffs WHERE user_id = $1`,
		} {
			args := []any{userID}
			if strings.Contains(q, "$2") {
				args = append(args, now)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return appendAuditTx(ctx, a.db, tx, &audit.Event{At: now, Actor: "system", Action: "account.purge", Subject: userID,
			Detail: "retention period ended; personal data crypto-shredded, document files deleted"})
	})
}
