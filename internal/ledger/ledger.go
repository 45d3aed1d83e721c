// Package ledger is veriwallet's wallet: a double-entry ledger of balanced,
// immutable transactions between customer and system accounts, holds with
// expiry (withdrawals), per-level gating and limits, freezing, and
// idempotent money writes. It holds the rules and no SQL: the store
// (internal/sqlstore) locks and loads the accounts a batch of operations
// touches into a State, Apply decides each operation against it in memory,
// and the store writes the effects, all in one database transaction (group
// commit: see Service).
//
// Amounts are int64 counts of an asset's smallest unit; the API speaks
// decimal strings (ParseAmount, FormatAmount), never floats. Postings are
// signed: a debit is negative, a credit positive, and the postings of every
// transaction sum to zero per asset. Customer balances never go below zero
// (nor below their open holds); system accounts (deposits in, withdrawals
// out, fees) are the other side of money entering and leaving.
package ledger

import (
	"context"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Transaction types.
const (
	TypeDeposit    = "deposit"
	TypeTransfer   = "transfer"
	TypeWithdrawal = "withdrawal" // a captured withdrawal hold
	TypeReversal   = "reversal"
)

// System account kinds.
const (
	SystemDeposits    = "deposits"
	SystemWithdrawals = "withdrawals"
	SystemFees        = "fees"
)

// CustomerAccount is the id of userID's account in asset.
func CustomerAccount(userID, asset string) string { return "c:" + userID + ":" + asset }

// SystemAccount is the id of the system account kind in asset.
func SystemAccount(kind, asset string) string { return "s:" + kind + ":" + asset }

// AccountUser returns the user an account id belongs to ("" for system
// accounts).
func AccountUser(account string) string {
	if !strings.HasPrefix(account, "c:") {
		return ""
	}
	rest := account[2:]
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		return rest[:i]
	}
	return ""
}

// AccountAsset returns the asset code of an account id.
func AccountAsset(account string) string {
	if i := strings.LastIndexByte(account, ':'); i >= 0 {
		return account[i+1:]
	}
	return ""
}

// Posting is one leg of a transaction: a signed amount on one account.
type Posting struct {
	Account string `json:"account"`
	UserID  string `json:"user_id,omitempty"`
	Asset   string `json:"asset"`
	Amount  int64  `json:"amount"`
}

// Transaction is an immutable, balanced set of postings.
type Transaction struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Asset      string    `json:"asset"`
	Amount     int64     `json:"amount"` // the amount moved (positive)
	From       string    `json:"from_user_id,omitempty"`
	To         string    `json:"to_user_id,omitempty"`
	Memo       string    `json:"memo,omitempty"`
	Source     string    `json:"source,omitempty"`    // deposits: the payment system (or "admin")
	Reference  string    `json:"reference,omitempty"` // deposits: unique per source
	RequestRef string    `json:"payment_request,omitempty"`
	HoldID     string    `json:"hold_id,omitempty"`     // withdrawals
	ReversalOf string    `json:"reversal_of,omitempty"` // reversals
	Actor      string    `json:"actor,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Postings   []Posting `json:"postings"`
}

// Entry is one line of a customer's statement: a transaction as it moved
// that customer's account.
type Entry struct {
	Seq          int64     `json:"-"`
	TxID         string    `json:"transaction_id"`
	Type         string    `json:"type"`
	Asset        string    `json:"asset"`
	Amount       int64     `json:"amount"` // signed: negative when money left the account
	Counterparty string    `json:"counterparty_user_id,omitempty"`
	Memo         string    `json:"memo,omitempty"`
	Reference    string    `json:"reference,omitempty"`
	ReversalOf   string    `json:"reversal_of,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Balance is a customer's position in one asset.
type Balance struct {
	Asset     string `json:"asset"`
	Balance   int64  `json:"balance"`
	Held      int64  `json:"held"`
	Available int64  `json:"available"` // Balance − Held
}

// Hold statuses.
const (
	HoldOpen     = "open"
	HoldCaptured = "captured"
	HoldReleased = "released"
	HoldExpired  = "expired"
)

// Hold reserves part of a customer's balance until it is captured (the
// money leaves), released or expires. A withdrawal is a hold with a
// destination. Only an open hold can change, once.
type Hold struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Asset       string    `json:"asset"`
	Amount      int64     `json:"amount"`
	Captured    int64     `json:"captured"`
	Status      string    `json:"status"`
	Destination string    `json:"destination,omitempty"`
	TxID        string    `json:"transaction_id,omitempty"` // the capture
	ExpiresAt   time.Time `json:"expires_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Withdrawal is a withdrawal request: its hold.
type Withdrawal = Hold

// Limits are the amounts (smallest units) one user may move in an asset:
// per transaction, per calendar day and per calendar month (in the
// service's time zone). Zero or less means no limit in that window.
type Limits struct {
	PerTx    int64 `json:"per_tx"`
	PerDay   int64 `json:"per_day"`
	PerMonth int64 `json:"per_month"`
}

// Permission is what a policy allows for one direction (sending or
// withdrawing).
type Permission struct {
	Allowed bool
	// Limits per asset code. A nil map means no limits; an asset missing
	// from a non-nil map has no limits either.
	Limits map[string]Limits
	// Next names the lowest level that allows the operation (when not
	// Allowed) or has higher limits (when a limit is reached); "" if none.
	Next string
	// NextTitle is Next's title in both languages, for refusals (empty:
	// they name Next itself).
	NextTitle i18n.Text
}

// Policy is what a user may do now, from their verified level.
type Policy struct {
	Level    string // current verified level name ("" when unverified)
	Rank     int    // its rank (0 unverified, 1 basic, …)
	Send     Permission
	Withdraw Permission
}

// Policies gives a user's current policy (implemented from the levels file).
type Policies interface {
	Policy(ctx context.Context, userID string) (Policy, error)
}

// PaymentPasswords checks a customer's payment password (PIN) before money
// leaves their account. Check returns nil when it is right, an *errs.Error
// otherwise (wrong, not set, locked).
type PaymentPasswords interface {
	Check(ctx context.Context, userID, pin string) error
}

// PayeeResolver turns what a payer typed ("to": a user id, later an email
// or phone number) into a user id.
type PayeeResolver interface {
	Resolve(ctx context.Context, to string) (userID string, err error)
}

// UserIDResolver is the default PayeeResolver: "to" is a user id.
type UserIDResolver struct{}

// Resolve implements PayeeResolver. Errors: Invalid PAYEE_REQUIRED.
func (UserIDResolver) Resolve(_ context.Context, to string) (string, error) {
	to = strings.TrimSpace(to)
	if to == "" || len(to) > 100 {
		return "", ErrPayeeRequired
	}
	return to, nil
}

// Event is a row of the wallet outbox, written in the transaction that
// caused it: consumers (AML rules, webhooks) read a batch and delete what
// they processed, so none is missed.
type Event struct {
	ID        int64     `json:"id"`
	TxID      string    `json:"transaction_id,omitempty"`
	HoldID    string    `json:"hold_id,omitempty"`
	Type      string    `json:"type"` // wallet.deposit, wallet.transfer, wallet.withdrawal.requested, …
	UserIDs   []string  `json:"user_ids"`
	Asset     string    `json:"asset,omitempty"`
	Amount    int64     `json:"amount,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Event types.
const (
	EventDeposit             = "wallet.deposit"
	EventTransfer            = "wallet.transfer"
	EventWithdrawalRequested = "wallet.withdrawal.requested"
	EventWithdrawalCompleted = "wallet.withdrawal.completed"
	EventWithdrawalCanceled  = "wallet.withdrawal.canceled"
	EventWithdrawalExpired   = "wallet.withdrawal.expired"
	EventReversal            = "wallet.reversal"
	EventFrozen              = "wallet.frozen"
	EventUnfrozen            = "wallet.unfrozen"
)

// TxFilter selects a customer's statement entries. Cursor is from the
// previous page's Next.
type TxFilter struct {
	Asset  string
	Type   string
	From   time.Time // inclusive; zero: no bound
	To     time.Time // exclusive; zero: no bound
	Cursor string
	Limit  int // 1..200 (0: 50)
}

// VerifyReport summarises a successful invariant check.
type VerifyReport struct {
	Transactions int64
	Postings     int64
	Accounts     int64
	OpenHolds    int64
}

// Freeze is the state of a user's wallet.
type Freeze struct {
	UserID    string    `json:"user_id"`
	Frozen    bool      `json:"frozen"`
	Reason    string    `json:"reason,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Store persists the ledger (internal/sqlstore implements it on SQLite and
// PostgreSQL).
type Store interface {
	// Apply runs ops in one database transaction: it creates the balance
	// rows they touch, locks them in a fixed order, loads a State, calls
	// Apply for each op in order, writes the effects (transactions,
	// postings, balances, holds, usage, idempotency records, outbox events)
	// and commits. It sets each op's Result or Err (a refusal); it returns
	// an error only when the whole batch failed and nothing was written.
	Apply(ctx context.Context, ops []*Op, now time.Time) error
	// ExpiredHolds lists open holds whose expiry is before now.
	ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error)
	Balances(ctx context.Context, userID string) ([]Balance, error)
	Entries(ctx context.Context, userID string, f TxFilter, cursor int64) ([]Entry, error)
	Transaction(ctx context.Context, id string) (*Transaction, error)
	Hold(ctx context.Context, id string) (*Hold, error)
	Holds(ctx context.Context, userID string, limit int) ([]Hold, error)
	// SetFrozen records the freeze state and its audit event in one
	// transaction.
	SetFrozen(ctx context.Context, f Freeze, requestID string) error
	Frozen(ctx context.Context, userID string) (Freeze, error)
	// Verify checks the invariants; it returns an *InvariantError naming
	// the first broken account or transaction.
	Verify(ctx context.Context) (VerifyReport, error)
	// Events reads up to limit outbox events, oldest first;
	// DeleteEvents removes processed ones.
	Events(ctx context.Context, limit int) ([]Event, error)
	DeleteEvents(ctx context.Context, ids []int64) error
}

// InvariantError is a broken ledger invariant.
type InvariantError struct {
	Account string
	TxID    string
	Problem string
}

// Error names the broken transaction or account and what is wrong.
func (e *InvariantError) Error() string {
	if e.TxID != "" {
		return "transaction " + e.TxID + ": " + e.Problem
	}
	return "account " + e.Account + ": " + e.Problem
}
