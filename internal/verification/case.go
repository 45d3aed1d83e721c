package verification

import (
	"context"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Case is one customer's verification at one level.
type Case struct {
	ID           string            `json:"id"`
	UserID       string            `json:"-"`
	Level        Level             `json:"level"`
	Status       Status            `json:"status"`
	Applicant    Applicant         `json:"applicant"`    // personal: stored encrypted
	IdentityHash string            `json:"-"`            // keyed hash of the ID (duplicate detection)
	Documents    map[string]string `json:"documents"`    // verification document kind → document id
	Decision     *Decision         `json:"-"`            // the latest decision (internal codes)
	Version      int               `json:"-"`            // optimistic concurrency
	CreatedAt    time.Time         `json:"created_at"`   //
	UpdatedAt    time.Time         `json:"updated_at"`   //
	SubmittedAt  *time.Time        `json:"submitted_at"` // the latest submission
}

// Event records a status change: who or what made it and when.
type CaseEvent struct {
	From  Status    `json:"from"`
	To    Status    `json:"to"`
	Actor string    `json:"actor"` // "customer:<id>", "system", "reviewer:<id>"
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

// SubmitLimit bounds a user's submissions: at most Max since Since (Max 0:
// no limit).
type SubmitLimit struct {
	Max   int
	Since time.Time
}

// MaxOpenDrafts bounds the draft cases one user may hold at once: a
// customer needs one (the wizard steers back to it), an integration a few;
// without a bound a hostile account adds rows without end. CreateCase
// counts them in the insert's transaction, so concurrent creates cannot
// pass it.
const MaxOpenDrafts = 10

// ErrTooManyDrafts is returned by CreateCase when the user holds
// MaxOpenDrafts draft cases already.
var ErrTooManyDrafts = errs.New(errs.TooMany, "TOO_MANY_DRAFTS",
	"You have 10 unfinished verifications already. Continue one of them (GET /api/v1/verifications lists them) instead of starting another.",
	"您已有 10 个未完成的认证。请继续其中一个，不要再新建。")

// ErrNoAttemptsLeft is returned by SubmitCase when the limit is reached.
var ErrNoAttemptsLeft = errs.New(errs.TooMany, "ATTEMPTS_EXCEEDED", "No attempts left for now.", "暂时没有剩余的认证次数。")

// PhoneLimits bound one-time codes. They are counted in the database over
// rolling windows, per phone number (by its keyed hash), per user and per
// client address, inside the transaction that records the send, so
// concurrent requests cannot pass them together. MaxFailures bounds the
// wrong codes of one case in all (then support helps). Zero turns a limit off.
type PhoneLimits struct {
	PerMinute     int // per phone number, one minute
	PerHour       int // per phone number, one hour
	PerDay        int // per phone number, 24 hours
	PerUserDay    int // per user, 24 hours
	PerClientHour int // per client address, one hour
	MaxFailures   int
}

// DefaultPhoneLimits: per number one code a minute, five an hour, ten a
// day; ten a day per user; twenty an hour per client address; twenty wrong
// tries per case.
var DefaultPhoneLimits = PhoneLimits{PerMinute: 1, PerHour: 5, PerDay: 10, PerUserDay: 10, PerClientHour: 20, MaxFailures: 20}

// PhoneCodeSend is one one-time code about to be sent.
type PhoneCodeSend struct {
	CaseID   string
	UserID   string
	Phone    string // E.164; the store keeps only its keyed hash
	Client   string // the client address ("" when unknown: not counted)
	CodeHash []byte
	Now      time.Time
	Expires  time.Time
}

// Store persists cases. Each method is one transaction; the ones that change
// a case take the version it was read at and fail with Conflict
// CASE_CHANGED when someone else changed it meanwhile.
type Store interface {
	// CreateCase inserts c. With an idempotency key already used by the
	// user, it returns the case created then instead. A draft is refused
	// with ErrTooManyDrafts when the user holds MaxOpenDrafts already.
	CreateCase(ctx context.Context, c *Case, idemKey string) (*Case, error)
	// Case returns a case. Errors: NotFound CASE_NOT_FOUND.
	Case(ctx context.Context, id string) (*Case, error)
	// CasesOf lists the user's cases, newest first.
	CasesOf(ctx context.Context, userID string) ([]*Case, error)
	// UpdateCase saves the applicant, documents and identity hash of c.
	UpdateCase(ctx context.Context, c *Case) error
	// SubmitCase moves c to submitted, records the submission and the
	// status change, and enqueues processing, all at once. With an
	// idempotency key already used for this case it does nothing and
	// reports replay=true. It counts the user's submissions since limit.Since
	// in the same transaction, serialised per user, and refuses with
	// ErrNoAttemptsLeft when limit.Max are there already (so concurrent
	// submits cannot pass the limit together).
	SubmitCase(ctx context.Context, c *Case, from Status, ev CaseEvent, idemKey string, limit SubmitLimit) (replay bool, err error)
	// Submissions lists the user's submission times since a time.
	Submissions(ctx context.Context, userID string, since time.Time) ([]time.Time, error)
	// SetStatus moves a case from one status to another (with the event).
	SetStatus(ctx context.Context, id string, version int, ev CaseEvent) error
	// SaveDecision stores the checks and the decision, moves the case to
	// the decision's status, leaves the customer an in-app message and
	// queues the webhook event, all at once.
	SaveDecision(ctx context.Context, c *Case, checks []CheckResult, d Decision, ev CaseEvent) error
	// Events lists a case's status changes, oldest first.
	Events(ctx context.Context, id string) ([]CaseEvent, error)
	// Checks lists the checks of a case's latest processing.
	Checks(ctx context.Context, id string) ([]CheckResult, error)
	// IdentityUsers lists other users whose submitted (or decided) cases
	// carry the identity hash.
	IdentityUsers(ctx context.Context, hash, exceptUser string) ([]string, error)
	// SavePhoneCode records a send and stores the new one-time code's hash
	// for the case, within the limits, counted in the same transaction
	// (serialised, so concurrent sends cannot pass a limit together).
	// Errors: TooMany PHONE_CODE_TOO_SOON, PHONE_CODE_LIMIT,
	// PHONE_CODE_USER_LIMIT, PHONE_CODE_CLIENT_LIMIT (each with RetryAfter),
	// PHONE_CODE_LOCKED.
	SavePhoneCode(ctx context.Context, send PhoneCodeSend, lim PhoneLimits) error
	// UsePhoneCode checks a code: it returns whether it matched the stored
	// one for that phone; failed tries are counted and a code is spent
	// after 5 tries or on success.
	UsePhoneCode(ctx context.Context, caseID string, codeHash []byte, phone string, now time.Time) (bool, error)
}
