// Package identity holds veriwallet's accounts: users and their roles,
// credentials (argon2id password hashes), server-side sessions, recorded
// consent to the terms and privacy policy, and login throttling.
//
// The Service enforces the rules; a Store persists them. Adapters (see
// internal/sqlstore) implement Store and never decide anything.
package identity

import (
	"context"
	"time"
)

// Role is what a user may do.
type Role string

// The roles.
const (
	RoleCustomer Role = "customer"
	RoleReviewer Role = "reviewer"
	RoleSupport  Role = "support"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleReviewer, RoleSupport, RoleAdmin:
		return true
	}
	return false
}

// Staff reports whether r is a staff role.
func (r Role) Staff() bool { return r == RoleReviewer || r == RoleSupport || r == RoleAdmin }

// User is an account. Email and Phone are personal data: adapters encrypt
// them at rest and look them up through keyed hashes.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"` // E.164
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	// ClosedAt is when the account was closed (nil: open). Only a login
	// that finds no open account with its e-mail or phone finds a closed one.
	ClosedAt *time.Time `json:"-"`
}

// Consent records that a user accepted one version of a policy document.
type Consent struct {
	Document   string    `json:"document"` // "terms", "privacy" or "sensitive_personal_info"
	Version    string    `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// Session kinds.
const (
	SessionWeb = "web" // browser cookie
	SessionAPI = "api" // bearer token
)

// Session is a logged-in session. Only a hash of its token is stored.
type Session struct {
	ID         string    `json:"id"`
	UserID     string    `json:"-"`
	Kind       string    `json:"kind"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// LoginKind says how a user identifies at login.
type LoginKind string

// Login kinds.
const (
	ByEmail LoginKind = "email"
	ByPhone LoginKind = "phone"
)

// Store persists accounts and sessions. Every method is one transaction.
type Store interface {
	// CreateUser inserts u with its password hash and consents.
	// Errors: Conflict EMAIL_TAKEN or PHONE_TAKEN.
	CreateUser(ctx context.Context, u *User, passwordHash string, consents []Consent) error
	// UserByLogin finds a user by normalised email or E.164 phone and
	// returns its password hash. Errors: NotFound USER_NOT_FOUND.
	UserByLogin(ctx context.Context, kind LoginKind, value string) (*User, string, error)
	// UserByID returns a user. Errors: NotFound USER_NOT_FOUND.
	UserByID(ctx context.Context, id string) (*User, error)
	// Consents lists the user's recorded consents, oldest first.
	Consents(ctx context.Context, userID string) ([]Consent, error)
	// AddConsent records one more consent; recording the same document and
	// version again keeps the first time. Errors: NotFound USER_NOT_FOUND.
	AddConsent(ctx context.Context, userID string, c Consent) error
	// SetPassword replaces a user's password hash. Errors: NotFound.
	SetPassword(ctx context.Context, userID, passwordHash string) error

	// CreateSession stores a new session under the hash of its token.
	CreateSession(ctx context.Context, s *Session, tokenHash []byte) error
	// SessionByToken returns the live (not revoked) session with that
	// token hash and its user. Errors: NotFound SESSION_NOT_FOUND.
	SessionByToken(ctx context.Context, tokenHash []byte) (*Session, *User, error)
	// TouchSession moves a session's last-seen and expiry times.
	TouchSession(ctx context.Context, id string, seen, expires time.Time) error
	// ListSessions returns a user's live sessions that expire after now, newest first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// RevokeSession revokes one of the user's sessions.
	// Errors: NotFound SESSION_NOT_FOUND (also when it is another user's).
	RevokeSession(ctx context.Context, userID, sessionID string, at time.Time) error

	// BeginLogin starts login attempt id, in one transaction (so that
	// concurrent attempts, on any server, see each other): it forgets
	// failures older than before; then, if the failures under a limit's key
	// since since reach its Max, it reports that key (Throttled) and the
	// oldest of them; else, if those failures plus the attempts still in
	// progress (begun after pendingSince) reach a Max, it reports Busy;
	// else it records the attempt as in progress under every key.
	BeginLogin(ctx context.Context, id string, limits []LoginLimit, at, before, since, pendingSince time.Time) (LoginCheck, error)
	// EndLogin ends attempt id: a failed one counts as a failure under
	// each of its keys; otherwise it is forgotten.
	EndLogin(ctx context.Context, id string, failed bool) error
	// ClearLoginFailures forgets the failures under key (not the attempts in progress).
	ClearLoginFailures(ctx context.Context, key string) error

	// TakeRegistration counts a registration attempt under key, in one
	// transaction: it forgets attempts before since and, unless max
	// attempts are counted since, records one at at and returns true;
	// otherwise false and the oldest attempt.
	TakeRegistration(ctx context.Context, key string, max int, at, since time.Time) (bool, time.Time, error)
}

// LoginLimit is one throttle a login attempt counts against: Max failures
// under Key (0: counted, never refused).
type LoginLimit struct {
	Key string
	Max int
}

// LoginCheck is what Store.BeginLogin found.
type LoginCheck struct {
	Throttled string    // the key whose failures reached its Max ("": none)
	Oldest    time.Time // the oldest of those failures
	Busy      bool      // attempts in progress may use the remaining tries: ask again shortly
}
