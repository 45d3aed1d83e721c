package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second
// steps), required at login for staff and available to any user who
// enrols. The secret is sealed at rest by the adapter.
const (
	TOTPPeriod        = 30 * time.Second
	totpDigits        = 6
	totpSkew          = 1 // steps accepted either side of now (clock drift)
	recoveryCodeCount = 10
	// EnrolmentTTL is how long the enrolment token of a staff login lasts.
	EnrolmentTTL = 10 * time.Minute
)

// SessionEnrolment is the kind of the short-lived session a staff member
// without a second factor gets at login: it opens only POST /api/v1/me/totp
// (Authenticate refuses it everywhere else).
const SessionEnrolment = "totp_enrolment"

// TOTPState is what a TOTPStore keeps for a user.
type TOTPState struct {
	Secret       []byte // nil: never enrolled
	Confirmed    bool   // the user proved the secret with a code
	LastStep     int64  // the newest time step used (a code is accepted once)
	RecoveryLeft int    // unused recovery codes
}

// TOTPStore keeps the users' TOTP secrets and recovery codes. A Store that
// also implements it gives its users the second factor; the adapter seals
// the secrets with the keyring. Every method is one transaction.
type TOTPStore interface {
	// TOTP returns a user's state (the zero state when never enrolled).
	TOTP(ctx context.Context, userID string) (TOTPState, error)
	// BeginTOTP stores a new unconfirmed secret, replacing an unconfirmed
	// one. Errors: Conflict TOTP_ALREADY_ENABLED when one is confirmed.
	BeginTOTP(ctx context.Context, userID string, secret []byte, at time.Time) error
	// ConfirmTOTP marks the secret confirmed, records step as used and
	// replaces the recovery codes by these hashes. Errors: Conflict
	// TOTP_ALREADY_ENABLED, NotFound TOTP_NOT_BEGUN.
	ConfirmTOTP(ctx context.Context, userID string, step int64, recoveryHashes [][]byte, at time.Time) error
	// UseTOTPStep records step as used when it is newer than the last
	// used one, and reports whether it was.
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// UseRecoveryCode spends the unused recovery code with that hash, and
	// reports whether there was one.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error)
}

// RoleStore changes roles. SetRole writes ev (the audit event of the
// change) in the same transaction and revokes the user's sessions.
// Errors: NotFound USER_NOT_FOUND.
type RoleStore interface {
	SetRole(ctx context.Context, userID string, role Role, ev *audit.Event) error
}

// TOTPCode is the RFC 6238 code of secret at t (HMAC-SHA1, 6 digits, 30 s).
// Tests, benchmarks and scripts log staff in with it.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, t.Unix()/int64(TOTPPeriod/time.Second))
}

// TOTPCodeBase32 is TOTPCode for a secret in the base32 form shown at
// enrolment ("" when it does not decode).
func TOTPCodeBase32(secret string, t time.Time) string {
	b, err := DecodeTOTPSecret(secret)
	if err != nil {
		return ""
	}
	return TOTPCode(b, t)
}

// DecodeTOTPSecret reads a base32 secret (case, spaces and padding ignored).
func DecodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(s))
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

func hotp(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1_000_000)
}

// matchStep returns the step within the skew whose code is code, or -1.
func matchStep(secret []byte, code string, now time.Time) int64 {
	cur := now.Unix() / int64(TOTPPeriod/time.Second)
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		if subtle.ConstantTimeCompare([]byte(hotp(secret, cur+d)), []byte(code)) == 1 {
			return cur + d
		}
	}
	return -1
}

// Enrolment is a begun TOTP enrolment: the secret to type into an
// authenticator app, or the otpauth:// URL to scan as a QR code.
type Enrolment struct {
	Secret string `json:"secret"` // base32
	URL    string `json:"otpauth_url"`
}

var (
	errTOTPUnsupported = errs.New(errs.Unavailable, "TOTP_UNAVAILABLE", "Two-factor login is not available.", "两步验证不可用。")
	errTOTPRequired    = errs.New(errs.Unauthenticated, "TOTP_REQUIRED",
		"Enter the 6-digit code from your authenticator app (totp_code).", "请输入身份验证器应用中的 6 位验证码（totp_code）。").OnField("totp_code")
	errTOTPInvalid = errs.New(errs.Unauthenticated, "TOTP_INVALID",
		"The code is wrong or was used already. Wait for the next code and try again.", "验证码错误或已使用，请等待下一个验证码后重试。").OnField("totp_code")
	errTOTPEnabled  = errs.New(errs.Conflict, "TOTP_ALREADY_ENABLED", "Two-factor login is already set up.", "已开启两步验证。")
	errTOTPNotBegun = errs.New(errs.Conflict, "TOTP_NOT_BEGUN", "Begin the enrolment first.", "请先开始设置两步验证。")
)

// ErrTOTPEnabled is returned by stores when a confirmed secret exists.
func ErrTOTPEnabled() *errs.Error { return errTOTPEnabled }

// ErrTOTPNotBegun is returned by stores when there is no secret to confirm.
func ErrTOTPNotBegun() *errs.Error { return errTOTPNotBegun }

// ErrEnrolmentRequired is the login error of a staff member without a
// second factor; the API returns it with the enrolment token.
func ErrEnrolmentRequired() *errs.Error {
	return errs.New(errs.Unauthenticated, "TOTP_ENROLMENT_REQUIRED",
		"Staff accounts need two-factor login: set it up with the enrolment token (POST /api/v1/me/totp).",
		"员工账号必须开启两步验证：请使用设置令牌完成设置（POST /api/v1/me/totp）。")
}

func (s *Service) totp() (TOTPStore, error) {
	ts, ok := s.store.(TOTPStore)
	if !ok {
		return nil, errTOTPUnsupported
	}
	return ts, nil
}

// TOTPEnabled reports whether the user has a confirmed second factor.
func (s *Service) TOTPEnabled(ctx context.Context, userID string) (bool, error) {
	ts, ok := s.store.(TOTPStore)
	if !ok {
		return false, nil
	}
	st, err := ts.TOTP(ctx, userID)
	return st.Confirmed, err
}

// BeginTOTP makes a new secret for the user (replacing an unconfirmed one).
// Errors: Conflict TOTP_ALREADY_ENABLED.
func (s *Service) BeginTOTP(ctx context.Context, u *User) (*Enrolment, error) {
	ts, err := s.totp()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 20)
	if _, err := io.ReadFull(s.rand, secret); err != nil {
		return nil, errs.Internalf("secret: %w", err)
	}
	if err := ts.BeginTOTP(ctx, u.ID, secret, s.now().UTC()); err != nil {
		return nil, err
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	account := u.Email
	if account == "" {
		account = u.Phone
	}
	v := url.Values{"secret": {enc}, "issuer": {"veriwallet"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return &Enrolment{Secret: enc, URL: "otpauth://totp/" + url.PathEscape("veriwallet:"+account) + "?" + v.Encode()}, nil
}

// ConfirmTOTP checks a code against the begun secret, turns the second
// factor on and returns the recovery codes (shown this once; stored
// hashed). Errors: Invalid TOTP_INVALID, Conflict TOTP_NOT_BEGUN or
// TOTP_ALREADY_ENABLED.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	ts, err := s.totp()
	if err != nil {
		return nil, err
	}
	st, err := ts.TOTP(ctx, userID)
	if err != nil {
		return nil, err
	}
	if st.Confirmed {
		return nil, errTOTPEnabled
	}
	if st.Secret == nil {
		return nil, errTOTPNotBegun
	}
	now := s.now().UTC()
	step := matchStep(st.Secret, strings.TrimSpace(code), now)
	if step < 0 {
		return nil, errs.New(errs.Invalid, "TOTP_INVALID", "The code is wrong: check the time on your phone and try the next code.",
			"验证码错误：请检查手机时间并尝试下一个验证码。").OnField("code")
	}
	return s.confirm(ctx, userID, step)
}

// confirm turns the begun secret on, step used, and makes the recovery codes.
func (s *Service) confirm(ctx context.Context, userID string, step int64) ([]string, error) {
	ts, err := s.totp()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := io.ReadFull(s.rand, b); err != nil {
			return nil, errs.Internalf("recovery code: %w", err)
		}
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b)) // 16 characters, 80 bits
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		hashes[i] = recoveryHash(userID, codes[i])
	}
	if err := ts.ConfirmTOTP(ctx, userID, step, hashes, now); err != nil {
		return nil, err
	}
	return codes, nil
}

// EnrolTOTP begins and confirms a second factor in one go, without a code
// (for `veriwallet admin create-user --totp`, scripts, tests and
// benchmarks, which then log in with TOTPCodeBase32(secret, now)). It
// returns the enrolment and the recovery codes. Errors: Conflict
// TOTP_ALREADY_ENABLED.
func (s *Service) EnrolTOTP(ctx context.Context, u *User) (*Enrolment, []string, error) {
	en, err := s.BeginTOTP(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	codes, err := s.confirm(ctx, u.ID, 0)
	if err != nil {
		return nil, nil, err
	}
	return en, codes, nil
}

// recoveryHash is how a recovery code is stored: the codes carry 80 random
// bits, so a plain hash (salted with the user) cannot be reversed.
func recoveryHash(userID, code string) []byte {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("veriwallet-recovery\x00" + userID + "\x00" + code))
	return h[:]
}

// checkSecondFactor checks a login's code: a current TOTP code not used
// before, or an unused recovery code. It returns whether the user has a
// confirmed second factor and, if so, whether the code is good.
func (s *Service) checkSecondFactor(ctx context.Context, u *User, code string) (enrolled, ok bool, err error) {
	ts, has := s.store.(TOTPStore)
	if !has {
		return false, false, nil
	}
	st, err := ts.TOTP(ctx, u.ID)
	if err != nil || !st.Confirmed {
		return false, false, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return true, false, nil
	}
	if len(code) == totpDigits {
		step := matchStep(st.Secret, code, s.now().UTC())
		if step < 0 {
			return true, false, nil
		}
		ok, err := ts.UseTOTPStep(ctx, u.ID, step)
		return true, ok, err
	}
	ok, err = ts.UseRecoveryCode(ctx, u.ID, recoveryHash(u.ID, code), s.now().UTC())
	return true, ok, err
}

// VerifyTOTP checks a second-factor code outside a login (a large
// withdrawal): a current code not used before, or an unused recovery code.
// False when the user has no second factor.
func (s *Service) VerifyTOTP(ctx context.Context, userID, code string) (bool, error) {
	enrolled, ok, err := s.checkSecondFactor(ctx, &User{ID: userID}, code)
	return enrolled && ok, err
}

// AuthenticateEnrolment returns the user of an enrolment token (or of a
// normal session: customers opt in from their account). Errors:
// Unauthenticated UNAUTHENTICATED.
func (s *Service) AuthenticateEnrolment(ctx context.Context, token string) (*Session, *User, error) {
	unauth := errs.New(errs.Unauthenticated, "UNAUTHENTICATED",
		"Please log in (your session is missing or has expired).", "请先登录（会话不存在或已过期）。")
	if token == "" || len(token) > 128 {
		return nil, nil, unauth
	}
	sess, u, err := s.store.SessionByToken(ctx, TokenHash(token))
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil, unauth
	} else if err != nil {
		return nil, nil, err
	}
	if !s.now().UTC().Before(sess.ExpiresAt) {
		return nil, nil, unauth
	}
	return sess, u, nil
}

// FinishEnrolment ends an enrolment session and opens a real one of kind
// (after ConfirmTOTP): the staff member is logged in.
func (s *Service) FinishEnrolment(ctx context.Context, enrol *Session, u *User, kind, ua string) (string, *Session, error) {
	if err := s.store.RevokeSession(ctx, u.ID, enrol.ID, s.now().UTC()); err != nil {
		return "", nil, err
	}
	return s.openSession(ctx, u, kind, ua, s.now().UTC())
}

// SetRole changes a user's role, audited (the event is written with the
// change) and revoking the user's sessions. Errors: Invalid ROLE_INVALID,
// NotFound USER_NOT_FOUND.
func (s *Service) SetRole(ctx context.Context, actor, userID string, role Role, requestID string) (*User, error) {
	if !role.Valid() {
		return nil, errs.New(errs.Invalid, "ROLE_INVALID", "Unknown role: use customer, reviewer, support or admin.",
			"未知角色：可用 customer、reviewer、support 或 admin。").OnField("role")
	}
	rs, ok := s.store.(RoleStore)
	if !ok {
		return nil, errs.Internalf("store cannot change roles")
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	ev := &audit.Event{At: s.now().UTC(), Actor: actor, Action: "user.role.set", Subject: userID,
		Detail: string(u.Role) + " -> " + string(role), RequestID: requestID}
	if err := rs.SetRole(ctx, userID, role, ev); err != nil {
		return nil, err
	}
	u.Role = role
	return u, nil
}

// FindUser returns the account with that email address or mobile number
// (for operator commands). Errors: Invalid EMAIL_OR_PHONE*, NotFound
// USER_NOT_FOUND.
func (s *Service) FindUser(ctx context.Context, email, phone string) (*User, error) {
	c, err := loginOf(email, phone)
	if err != nil {
		return nil, err
	}
	u, _, err := s.store.UserByLogin(ctx, c.kind, c.value)
	return u, err
}
