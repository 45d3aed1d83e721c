package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// Wallet implements the stores of internal/wallet: payment passwords, API
// keys, payee look-up counts, receive codes, outbox consumers and AML
// alerts.
type Wallet struct{ db *DB }

// Wallet returns the wallet surface's store on db.
func (db *DB) Wallet() *Wallet { return &Wallet{db: db} }

var _ wallet.PINStore = (*Wallet)(nil)

// SetPaymentPassword implements wallet.PINStore.
func (w *Wallet) SetPaymentPassword(ctx context.Context, userID string, mac []byte, at time.Time) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO payment_passwords (user_id, mac, failures, locks, updated_at) VALUES ($1, $2, 0, 0, $3)
			ON CONFLICT (user_id) DO UPDATE SET mac = excluded.mac, failures = 0, updated_at = excluded.updated_at`, userID, mac, ts(at))
		return err
	})
}

func scanPIN(row *sql.Row) (wallet.PINState, error) {
	var st wallet.PINState
	var until sql.NullTime
	if err := row.Scan(&st.MAC, &st.Failures, &st.Locks, &until); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return st, errs.New(errs.NotFound, "PAYMENT_PASSWORD_NOT_SET", "No payment password is set.", "尚未设置支付密码。")
		}
		return st, translate(err)
	}
	if until.Valid {
		st.LockedUntil = until.Time.UTC()
	}
	return st, nil
}

const pinCols = `mac, failures, locks, locked_until`

// PaymentPassword implements wallet.PINStore.
func (w *Wallet) PaymentPassword(ctx context.Context, userID string) (wallet.PINState, error) {
	return scanPIN(w.db.QueryRowContext(ctx, `SELECT `+pinCols+` FROM payment_passwords WHERE user_id = $1`, userID))
}

// TryPaymentPassword implements wallet.PINStore.
func (w *Wallet) TryPaymentPassword(ctx context.Context, userID string, mac []byte, at time.Time, p wallet.PINPolicy) (wallet.PINState, bool, error) {
	var st wallet.PINState
	var ok bool
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		if err := w.db.lockKeys(ctx, tx, "payment-password:"+userID); err != nil {
			return err
		}
		var err error
		if st, err = scanPIN(tx.QueryRowContext(ctx, `SELECT `+pinCols+` FROM payment_passwords WHERE user_id = $1`, userID)); err != nil {
			return err
		}
		if st.LockedUntil.After(at) {
			return nil
		}
		if hmacEqual(st.MAC, mac) {
			ok = true
			st.Failures, st.Locks = 0, 0
			_, err := tx.ExecContext(ctx, `UPDATE payment_passwords SET failures = 0, locks = 0, locked_until = NULL WHERE user_id = $1`, userID)
			return err
		}
		st.Failures++
		var until any
		if st.Failures >= p.MaxFailures {
			st.Locks++
			st.Failures = 0
			st.LockedUntil = at.Add(p.LockDuration(st.Locks))
			until = ts(st.LockedUntil)
		}
		_, err = tx.ExecContext(ctx, `UPDATE payment_passwords SET failures = $2, locks = $3, locked_until = $4 WHERE user_id = $1`,
			userID, st.Failures, st.Locks, until)
		return err
	})
	return st, ok, err
}

func hmacEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// ApprovedLevels implements wallet.ApprovedLevels.
func (w *Wallet) ApprovedLevels(ctx context.Context, userID string) ([]verification.Level, error) {
	names, err := w.db.queryStrings(ctx, `SELECT DISTINCT level FROM cases WHERE user_id = $1 AND status = $2`, userID, string(verification.StatusApproved))
	out := make([]verification.Level, len(names))
	for i, n := range names {
		out[i] = verification.Level(n)
	}
	return out, err
}
