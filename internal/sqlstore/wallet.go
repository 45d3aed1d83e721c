package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// Wallet implements the stores of internal/wallet: payment passwords, API
// keys, payee look-up counts, receive codes, outbox consumers and AML
// alerts.
type Wallet struct {
	db   *DB
	jobs WalletJobs
}

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

// TakeLookup implements wallet.LookupStore.
func (w *Wallet) TakeLookup(ctx context.Context, userID string, max int, at, since time.Time) (bool, time.Time, error) {
	ok, oldest := false, time.Time{}
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		if err := w.db.lockKeys(ctx, tx, "payee-lookup:"+userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM payee_lookups WHERE at < $1`, ts(at.Add(-24*time.Hour))); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payee_lookups WHERE user_id = $1 AND at > $2`, userID, ts(since)).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return tx.QueryRowContext(ctx, `SELECT at FROM payee_lookups WHERE user_id = $1 AND at > $2 ORDER BY at LIMIT 1`, userID, ts(since)).Scan(&oldest)
		}
		ok = true
		_, err := tx.ExecContext(ctx, `INSERT INTO payee_lookups (user_id, at) VALUES ($1, $2)`, userID, ts(at))
		return err
	})
	return ok, oldest.UTC(), err
}

var _ wallet.KeyStore = (*Wallet)(nil)

// CreateAPIKey implements wallet.KeyStore; the creation is audited.
func (w *Wallet) CreateAPIKey(ctx context.Context, k *wallet.APIKey, hash []byte) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, name, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)`,
			k.ID, k.Name, hash, strings.Join(k.Scopes, ","), ts(k.CreatedAt)); err != nil {
			return err
		}
		return appendAuditTx(ctx, w.db, tx, &audit.Event{At: k.CreatedAt, Actor: "cli", Action: "apikey.create", Subject: k.ID,
			Detail: strings.Join(k.Scopes, ",")})
	})
}

const keyCols = `id, name, scopes, created_at, revoked_at, last_used_at, uses`

func scanKey(row interface{ Scan(...any) error }) (*wallet.APIKey, error) {
	var k wallet.APIKey
	var scopes string
	var revoked, used sql.NullTime
	if err := row.Scan(&k.ID, &k.Name, &scopes, &k.CreatedAt, &revoked, &used, &k.Uses); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.New(errs.NotFound, "API_KEY_NOT_FOUND", "No such API key.", "API 密钥不存在。")
		}
		return nil, translate(err)
	}
	k.Scopes = strings.Split(scopes, ",")
	k.CreatedAt = k.CreatedAt.UTC()
	if revoked.Valid {
		k.RevokedAt = revoked.Time.UTC()
	}
	if used.Valid {
		k.LastUsedAt = used.Time.UTC()
	}
	return &k, nil
}

// APIKeys implements wallet.KeyStore.
func (w *Wallet) APIKeys(ctx context.Context) ([]wallet.APIKey, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []wallet.APIKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, translate(rows.Err())
}

// RevokeAPIKey implements wallet.KeyStore; the revocation is audited.
func (w *Wallet) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = $1`, id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, ts(at)); err != nil {
			return err
		}
		return appendAuditTx(ctx, w.db, tx, &audit.Event{At: at, Actor: "cli", Action: "apikey.revoke", Subject: id})
	})
}

// UseAPIKey implements wallet.KeyStore.
func (w *Wallet) UseAPIKey(ctx context.Context, hash []byte, at time.Time, what, requestID string) (*wallet.APIKey, error) {
	var k *wallet.APIKey
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if k, err = scanKey(tx.QueryRowContext(ctx, `UPDATE api_keys SET uses = uses + 1, last_used_at = $2
			WHERE key_hash = $1 AND revoked_at IS NULL RETURNING `+keyCols, hash, ts(at))); err != nil {
			return err
		}
		return appendAuditTx(ctx, w.db, tx, &audit.Event{At: at, Actor: "apikey:" + k.ID, Action: "apikey.use", Subject: k.ID,
			Detail: what, RequestID: requestID})
	})
	return k, err
}

var _ wallet.RequestStore = (*Wallet)(nil)

// CreatePaymentRequest implements wallet.RequestStore; the memo is
// encrypted.
func (w *Wallet) CreatePaymentRequest(ctx context.Context, r *wallet.PaymentRequest) error {
	var memo any
	if r.Memo != "" {
		m, err := w.db.cipher.SealString(r.Memo, "payment_requests.memo:"+r.Code)
		if err != nil {
			return errs.Internalf("seal: %w", err)
		}
		memo = m
	}
	var exp any
	if !r.ExpiresAt.IsZero() {
		exp = ts(r.ExpiresAt)
	}
	_, err := w.db.ExecContext(ctx, `INSERT INTO payment_requests (code, user_id, asset, amount, memo_enc, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.Code, r.UserID, r.Asset, r.Amount, memo, exp, ts(r.CreatedAt))
	return translate(err)
}

// PaymentRequest implements wallet.RequestStore.
func (w *Wallet) PaymentRequest(ctx context.Context, code string) (*wallet.PaymentRequest, error) {
	var r wallet.PaymentRequest
	var memo sql.NullString
	var exp sql.NullTime
	err := w.db.QueryRowContext(ctx, `SELECT code, user_id, asset, amount, memo_enc, expires_at, created_at FROM payment_requests WHERE code = $1`, code).
		Scan(&r.Code, &r.UserID, &r.Asset, &r.Amount, &memo, &exp, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wallet.ErrRequestNotFound
	}
	if err != nil {
		return nil, translate(err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if exp.Valid {
		r.ExpiresAt = exp.Time.UTC()
	}
	if memo.Valid {
		if r.Memo, err = w.db.cipher.OpenString(memo.String, "payment_requests.memo:"+r.Code); err != nil {
			return nil, errs.Internalf("open memo: %w", err)
		}
	}
	return &r, nil
}

// WalletJobs queues a wallet webhook event's deliveries inside a
// transaction (*jobs.Queue implements it).
type WalletJobs interface {
	WalletEventTx(ctx context.Context, tx *sql.Tx, event string, payload []byte, at time.Time) error
}

// WithJobs returns the store queuing webhooks through j.
func (w *Wallet) WithJobs(j WalletJobs) *Wallet { return &Wallet{db: w.db, jobs: j} }

var _ wallet.MonitorStore = (*Wallet)(nil)

// HandleEvents implements wallet.MonitorStore.
func (w *Wallet) HandleEvents(ctx context.Context, work []wallet.Work) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		for _, wk := range work {
			res, err := tx.ExecContext(ctx, `INSERT INTO wallet_events_done (event_id, done_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING`, wk.EventID, ts(w.db.now()))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // handled before a crash; its effects are in
			}
			for _, a := range wk.Activity {
				if _, err := tx.ExecContext(ctx, `INSERT INTO aml_activity (user_id, transaction_id, kind, direction, asset, amount, counterparty, at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (transaction_id, user_id, direction) DO NOTHING`,
					a.UserID, a.TxID, a.Kind, a.Direction, a.Asset, a.Amount, a.Counterparty, ts(a.At)); err != nil {
					return err
				}
			}
			if wk.Webhook != "" && w.jobs != nil {
				if err := w.jobs.WalletEventTx(ctx, tx, wk.Webhook, wk.Body, wk.At); err != nil {
					return err
				}
			}
		}
		if len(work) > 0 && work[0].EventID%100 == 0 { // now and then
			if _, err := tx.ExecContext(ctx, `DELETE FROM wallet_events_done WHERE done_at < $1`, ts(w.db.now().Add(-7*24*time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
}

func newAlertID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "aml_" + base64.RawURLEncoding.EncodeToString(b)
}

const activityCols = `id, user_id, transaction_id, kind, direction, asset, amount, counterparty, at`

func scanActivity(rows *sql.Rows) ([]wallet.Activity, error) {
	defer rows.Close()
	var out []wallet.Activity
	for rows.Next() {
		var a wallet.Activity
		if err := rows.Scan(&a.ID, &a.UserID, &a.TxID, &a.Kind, &a.Direction, &a.Asset, &a.Amount, &a.Counterparty, &a.At); err != nil {
			return nil, translate(err)
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// PendingActivity implements wallet.MonitorStore.
func (w *Wallet) PendingActivity(ctx context.Context, limit int) ([]wallet.Activity, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+activityCols+` FROM aml_activity WHERE evaluated = FALSE ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, translate(err)
	}
	return scanActivity(rows)
}

// ActivityOf implements wallet.MonitorStore.
func (w *Wallet) ActivityOf(ctx context.Context, userID string, since time.Time, limit int) ([]wallet.Activity, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT `+activityCols+` FROM aml_activity
		WHERE user_id = $1 AND at > $2 ORDER BY at DESC, id DESC LIMIT $3`, userID, ts(since), limit)
	if err != nil {
		return nil, translate(err)
	}
	out, err := scanActivity(rows)
	slices.Reverse(out)
	return out, err
}

// SaveAlerts implements wallet.MonitorStore.
func (w *Wallet) SaveAlerts(ctx context.Context, alerts []wallet.Alert, evaluated []int64) error {
	return w.db.tx(ctx, func(tx *sql.Tx) error {
		for _, al := range alerts {
			txs, _ := json.Marshal(al.Transactions)
			figs, _ := json.Marshal(al.Figures)
			if _, err := tx.ExecContext(ctx, `INSERT INTO aml_alerts (id, user_id, rule, transactions, figures, status, created_at, dedupe)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe) DO NOTHING`,
				newAlertID(), al.UserID, al.Rule, string(txs), string(figs), al.Status, ts(al.CreatedAt), al.Dedupe); err != nil {
				return err
			}
		}
		for _, id := range evaluated {
			if _, err := tx.ExecContext(ctx, `UPDATE aml_activity SET evaluated = TRUE WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Alerts implements wallet.MonitorStore.
func (w *Wallet) Alerts(ctx context.Context, f wallet.AlertFilter) ([]wallet.Alert, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT id, user_id, rule, transactions, figures, status, created_at FROM aml_alerts
		WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR rule = $2) ORDER BY created_at DESC, id LIMIT $3`, f.UserID, f.Rule, f.Limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []wallet.Alert{}
	for rows.Next() {
		var a wallet.Alert
		var txs, figs string
		if err := rows.Scan(&a.ID, &a.UserID, &a.Rule, &txs, &figs, &a.Status, &a.CreatedAt); err != nil {
			return nil, translate(err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		_ = json.Unmarshal([]byte(txs), &a.Transactions)
		_ = json.Unmarshal([]byte(figs), &a.Figures)
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// CustomerExists implements wallet.CustomerChecker.
func (w *Wallet) CustomerExists(ctx context.Context, userID string) (bool, error) {
	var one int
	err := w.db.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1 AND role = 'customer' AND closed_at IS NULL`, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, translate(err)
}
