package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
)

var (
	_ identity.TOTPStore = (*Accounts)(nil)
	_ identity.RoleStore = (*Accounts)(nil)
)

func totpAAD(userID string) string { return "user_totp.secret:" + userID }

// TOTP implements identity.TOTPStore.
func (a *Accounts) TOTP(ctx context.Context, userID string) (identity.TOTPState, error) {
	var st identity.TOTPState
	var enc string
	var confirmed sql.NullTime
	err := a.db.QueryRowContext(ctx, `SELECT secret_enc, confirmed_at, last_step,
		(SELECT COUNT(*) FROM totp_recovery_codes r WHERE r.user_id = t.user_id AND r.used_at IS NULL)
		FROM user_totp t WHERE user_id = $1`, userID).Scan(&enc, &confirmed, &st.LastStep, &st.RecoveryLeft)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.TOTPState{}, nil
	}
	if err != nil {
		return st, translate(err)
	}
	plain, err := a.db.cipher.OpenString(enc, totpAAD(userID))
	if err != nil {
		return st, errs.Internalf("open totp secret: %w", err)
	}
	if st.Secret, err = base64.StdEncoding.DecodeString(plain); err != nil {
		return st, errs.Internalf("totp secret: %w", err)
	}
	st.Confirmed = confirmed.Valid
	return st, nil
}

// BeginTOTP implements identity.TOTPStore.
func (a *Accounts) BeginTOTP(ctx context.Context, userID string, secret []byte, at time.Time) error {
	enc, err := a.db.cipher.SealString(base64.StdEncoding.EncodeToString(secret), totpAAD(userID))
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if err := a.db.lockKeys(ctx, tx, "totp:"+userID); err != nil {
			return err
		}
		if exists(ctx, tx, `SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID) {
			return identity.ErrTOTPEnabled()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret_enc, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, created_at = excluded.created_at, last_step = 0`,
			userID, enc, ts(at))
		return err
	})
}

// ConfirmTOTP implements identity.TOTPStore.
func (a *Accounts) ConfirmTOTP(ctx context.Context, userID string, step int64, hashes [][]byte, at time.Time) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		if err := a.db.lockKeys(ctx, tx, "totp:"+userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE user_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3 AND confirmed_at IS NULL`,
			ts(at), step, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if exists(ctx, tx, `SELECT 1 FROM user_totp WHERE user_id = $1`, userID) {
				return identity.ErrTOTPEnabled()
			}
			return identity.ErrTOTPNotBegun()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseTOTPStep implements identity.TOTPStore: one conditional UPDATE, so two
// concurrent logins with the same code cannot both pass.
func (a *Accounts) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := a.db.ExecContext(ctx, `UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1 AND confirmed_at IS NOT NULL`, step, userID)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode implements identity.TOTPStore.
func (a *Accounts) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	res, err := a.db.ExecContext(ctx, `UPDATE totp_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		ts(at), userID, hash)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetRole implements identity.RoleStore: the role, the audit event and the
// revocation of the user's sessions commit together.
func (a *Accounts) SetRole(ctx context.Context, userID string, role identity.Role, ev *audit.Event) error {
	return a.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = $1 WHERE id = $2`, string(role), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return identity.ErrUserNotFound()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, ts(ev.At), userID); err != nil {
			return err
		}
		return appendAuditTx(ctx, a.db, tx, ev)
	})
}
