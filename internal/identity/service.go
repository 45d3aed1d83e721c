package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/mail"
	"runtime"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Config holds the account rules an operator can change.
type Config struct {
	TermsVersion   string        // the version a new user must accept
	PrivacyVersion string        // recorded with the terms acceptance
	SessionTTL     time.Duration // idle lifetime of a session; each use extends it
	MaxFailures    int           // failed logins per account and address within FailureWindow (10× per account from anywhere)
	MaxIPFailures  int           // failed logins per client address within FailureWindow
	FailureWindow  time.Duration
	Argon2         Argon2Params
	// MaxRegistrations bounds registration attempts per client address
	// an hour (each EMAIL_TAKEN/PHONE_TAKEN answer counts); 0: unlimited.
	MaxRegistrations int
}

// The versions of the built-in terms and privacy policy (/terms, /privacy):
// the defaults of DefaultConfig and of --terms-version and
// --privacy-version. Tests post these, never a literal. A new privacy
// version asks every customer for the sensitive-information consent again
// before their next sensitive step (HasSensitiveConsent,
// OutdatedSensitiveConsent).
const (
	DefaultTermsVersion = "2026-11-01"
	// DefaultPrivacyVersion 2026-12-03: the consent and the policy name
	// biometric processing (the selfie compared with the ID photo).
	DefaultPrivacyVersion = "2026-12-03"
)

// DefaultConfig is the configuration with zero settings.
var DefaultConfig = Config{
	TermsVersion:   DefaultTermsVersion,
	PrivacyVersion: DefaultPrivacyVersion,
	SessionTTL:     7 * 24 * time.Hour,
	MaxFailures:    5,
	MaxIPFailures:  50,
	FailureWindow:  15 * time.Minute,
	Argon2:         DefaultArgon2,

	MaxRegistrations: 10,
}

// Service is the accounts use cases.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
	rand  io.Reader
	// dummyHash is verified against when the account does not exist, so a
	// login takes as long whether or not the account exists.
	dummyHash string
	hashing   chan struct{} // password-hashing slots
	life      Lifecycle     // recovery, alerts, closing (SetLifecycle)
}

// NewService returns a Service over store. now and rnd may be nil.
func NewService(store Store, cfg Config, now func() time.Time, rnd io.Reader) *Service {
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	s := &Service{store: store, cfg: cfg, now: now, rand: rnd, hashing: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	s.dummyHash = HashPassword("not-a-password", make([]byte, 16), cfg.Argon2)
	return s
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// RegisterInput is what a new customer sends.
type RegisterInput struct {
	Email              string
	Phone              string
	Password           string
	AcceptTermsVersion string
	Role               Role   // empty means customer; only the admin CLI sets others
	ClientIP           string // the client's address, for the registration throttle ("": not throttled)
}

// Login credentials, normalised.
type credentials struct {
	kind  LoginKind
	value string
}

// NormalizeEmail lower-cases and validates an email address.
// Errors: Invalid EMAIL_INVALID.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := errs.New(errs.Invalid, "EMAIL_INVALID", "This is not a valid email address.", "邮箱地址格式不正确。").OnField("email")
	if len(s) < 3 || len(s) > 254 {
		return "", bad
	}
	// Printable ASCII only: internationalised domains arrive as punycode,
	// and this refuses control characters and invalid UTF-8 outright.
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "", bad
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", bad
	}
	return s, nil
}

// NormalizePhone parses a phone number to E.164. Numbers without a country
// code are read as mainland China numbers and must be mobile numbers.
// Errors: Invalid PHONE_INVALID.
func NormalizePhone(s string) (string, error) {
	bad := errs.New(errs.Invalid, "PHONE_INVALID",
		"This is not a valid mobile number. Mainland numbers have 11 digits starting with 1; other countries need a leading + and the country code.",
		"手机号码格式不正确。中国大陆手机号为以 1 开头的 11 位数字；其他国家或地区请以 + 和国家代码开头。").OnField("phone")
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return "", bad
	}
	n, err := phonenumbers.Parse(s, "CN")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", bad
	}
	t := phonenumbers.GetNumberType(n)
	if t != phonenumbers.MOBILE && t != phonenumbers.FIXED_LINE_OR_MOBILE {
		return "", bad
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func loginOf(email, phone string) (credentials, error) {
	email, phone = strings.TrimSpace(email), strings.TrimSpace(phone)
	switch {
	case email != "" && phone != "":
		return credentials{}, errs.New(errs.Invalid, "EMAIL_OR_PHONE",
			"Give either an email address or a mobile number, not both.",
			"请填写邮箱或手机号其中之一，不要同时填写。").OnField("email")
	case email != "":
		e, err := NormalizeEmail(email)
		return credentials{ByEmail, e}, err
	case phone != "":
		p, err := NormalizePhone(phone)
		return credentials{ByPhone, p}, err
	}
	return credentials{}, errs.New(errs.Invalid, "EMAIL_OR_PHONE_REQUIRED",
		"Enter your email address or mobile number.", "请填写邮箱或手机号。").OnField("email")
}

// Register creates an account and records the consents.
// Errors: Invalid (EMAIL_INVALID, PHONE_INVALID, PASSWORD_*, TERMS_NOT_ACCEPTED,
// TERMS_VERSION_OUTDATED), Conflict (EMAIL_TAKEN, PHONE_TAKEN).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	c, err := loginOf(in.Email, in.Phone)
	if err != nil {
		return nil, err
	}
	role := in.Role
	if role == "" {
		role = RoleCustomer
	}
	if !role.Valid() {
		return nil, errs.New(errs.Invalid, "ROLE_INVALID", "Unknown role.", "未知角色。").OnField("role")
	}
	if role == RoleCustomer {
		if err := s.termsError(in.AcceptTermsVersion); err != nil {
			return nil, err
		}
	}
	personal := []string{c.value}
	if c.kind == ByEmail {
		personal = append(personal, c.value[:strings.IndexByte(c.value, '@')])
	} else {
		personal = append(personal, strings.TrimPrefix(c.value, "+86"))
	}
	if err := CheckPassword(in.Password, personal...); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u := &User{ID: s.newID("usr"), Role: role, CreatedAt: now}
	if c.kind == ByEmail {
		u.Email = c.value
	} else {
		u.Phone = c.value
	}
	var consents []Consent
	if role == RoleCustomer {
		consents = []Consent{
			{Document: "terms", Version: s.cfg.TermsVersion, AcceptedAt: now},
			{Document: "privacy", Version: s.cfg.PrivacyVersion, AcceptedAt: now},
		}
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, salt); err != nil {
		return nil, errs.Internalf("salt: %w", err)
	}
	if err := s.takeRegistration(ctx, in.ClientIP, now); err != nil {
		return nil, err
	}
	done, err := s.slot(ctx)
	if err != nil {
		return nil, err
	}
	hash := HashPassword(in.Password, salt, s.cfg.Argon2)
	done()
	if err := s.store.CreateUser(ctx, u, hash, consents); err != nil {
		return nil, err
	}
	return u, nil
}

// LoginInput is a login attempt.
type LoginInput struct {
	Email, Phone, Password string
	Kind                   string // SessionWeb or SessionAPI
	UserAgent              string
	ClientIP               string
	// TOTPCode is the second factor: a 6-digit code or a recovery code
	// (required for users who enrolled, and for every staff member).
	TOTPCode string
}

// Login checks credentials and opens a session, returning its secret token
// (shown once, stored only as a hash).
// Errors: Invalid (EMAIL_OR_PHONE_REQUIRED, …), Unauthenticated
// INVALID_CREDENTIALS, TOTP_REQUIRED, TOTP_INVALID (a failure, throttled
// like a wrong password), TooMany LOGIN_THROTTLED (with RetryAfter).
// A staff member without a second factor gets Unauthenticated
// TOTP_ENROLMENT_REQUIRED together with the token and session of a
// short-lived enrolment session (kind SessionEnrolment).
func (s *Service) Login(ctx context.Context, in LoginInput) (string, *Session, *User, error) {
	c, err := loginOf(in.Email, in.Phone)
	if err != nil {
		return "", nil, nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	// Three counters: the account from this address (MaxFailures), the
	// account from anywhere (10×, so a stranger guessing cannot lock its
	// owner out from another address for long), and the address.
	acctKey := "acct:" + string(c.kind) + ":" + c.value
	pairKey := acctKey + "@" + in.ClientIP
	limits := []LoginLimit{{pairKey, s.cfg.MaxFailures}, {acctKey, 10 * s.cfg.MaxFailures}}
	if in.ClientIP != "" {
		limits = append(limits, LoginLimit{"ip:" + in.ClientIP, s.cfg.MaxIPFailures})
	}
	// The attempt is recorded as in progress before the password is
	// checked, so concurrent attempts see each other: together they never
	// get more tries than a limit leaves, and an attempt in progress is
	// not a failure (it waits for the others instead of being refused).
	id := s.newID("att")
	start := time.Now()
	for {
		chk, err := s.store.BeginLogin(ctx, id, limits, now, now.Add(-s.cfg.FailureWindow), now.Add(-s.cfg.FailureWindow), s.now().Add(-pendingLifetime))
		if err != nil {
			return "", nil, nil, err
		}
		if chk.Throttled != "" {
			return "", nil, nil, throttledError(chk.Oldest.Add(s.cfg.FailureWindow).Sub(now))
		}
		if !chk.Busy {
			break
		}
		if time.Since(start) > 10*time.Second {
			return "", nil, nil, errBusy
		}
		select {
		case <-ctx.Done():
			return "", nil, nil, errBusy
		case <-time.After(20 * time.Millisecond):
		}
	}
	// Recorded even when the client goes away meanwhile.
	end := func(failed bool) { _ = s.store.EndLogin(context.WithoutCancel(ctx), id, failed) }
	u, hash, err := s.store.UserByLogin(ctx, c.kind, c.value)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		end(false)
		return "", nil, nil, err
	}
	if u == nil {
		hash = s.dummyHash
	}
	ok, err := s.verify(ctx, in.Password, hash)
	if err != nil {
		end(false)
		return "", nil, nil, err
	}
	if u == nil || !ok {
		end(true)
		return "", nil, nil, errs.New(errs.Unauthenticated, "INVALID_CREDENTIALS",
			"The account or password is wrong.", "账号或密码错误。")
	}
	enrolled, ok, err := s.checkSecondFactor(ctx, u, in.TOTPCode)
	if err != nil {
		end(false)
		return "", nil, nil, err
	}
	if enrolled && !ok {
		if strings.TrimSpace(in.TOTPCode) == "" {
			end(false)
			return "", nil, nil, errTOTPRequired
		}
		end(true)
		return "", nil, nil, errTOTPInvalid
	}
	end(false)
	if u.ClosedAt != nil {
		return "", nil, nil, ErrAccountClosed()
	}
	if err := s.store.ClearLoginFailures(ctx, pairKey); err != nil {
		return "", nil, nil, err
	}
	if _, has := s.store.(TOTPStore); has && !enrolled && u.Role.Staff() {
		tok, sess, err := s.openSession(ctx, u, SessionEnrolment, in.UserAgent, now)
		if err != nil {
			return "", nil, nil, err
		}
		return tok, sess, u, ErrEnrolmentRequired()
	}
	tok, sess, err := s.openSession(ctx, u, in.Kind, in.UserAgent, now)
	if err != nil {
		return "", nil, nil, err
	}
	s.loginAlert(ctx, u, sess, in.UserAgent, in.ClientIP, now)
	return tok, sess, u, nil
}

// errBusy is returned when too many password hashes are being computed.
var errBusy = errs.New(errs.Unavailable, "BUSY", "The service is busy. Please try again in a moment.", "服务繁忙，请稍后重试。")

// slot takes one of the password-hashing slots (argon2id uses 19 MiB and a
// core's worth of time each: unbounded, a burst of logins exhausts memory).
func (s *Service) slot(ctx context.Context) (func(), error) {
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, errBusy
	case <-t.C:
		return nil, errBusy
	}
}

func (s *Service) verify(ctx context.Context, pw, hash string) (bool, error) {
	done, err := s.slot(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	return VerifyPassword(pw, hash), nil
}

// pendingLifetime is how long a login attempt in progress counts: longer
// than any attempt takes (a hashing slot is waited for at most 10 s), so
// that one whose server died stops counting soon.
const pendingLifetime = time.Minute

func throttledError(wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	mins := int((wait + time.Minute - 1) / time.Minute)
	e := errs.New(errs.TooMany, "LOGIN_THROTTLED",
		fmt.Sprintf("Too many failed logins. Try again in %d minute(s).", mins),
		fmt.Sprintf("登录失败次数过多，请在 %d 分钟后重试。", mins))
	e.RetryAfter = wait
	return e
}

// takeRegistration counts a registration attempt from addr (when known)
// and refuses it past MaxRegistrations an hour. Errors: TooMany
// REGISTRATION_THROTTLED.
func (s *Service) takeRegistration(ctx context.Context, addr string, now time.Time) error {
	if addr == "" || s.cfg.MaxRegistrations <= 0 {
		return nil
	}
	ok, oldest, err := s.store.TakeRegistration(ctx, "register-ip:"+addr, s.cfg.MaxRegistrations, now, now.Add(-time.Hour))
	if err != nil || ok {
		return err
	}
	wait := max(oldest.Add(time.Hour).Sub(now), time.Second)
	mins := int((wait + time.Minute - 1) / time.Minute)
	e := errs.New(errs.TooMany, "REGISTRATION_THROTTLED",
		fmt.Sprintf("Too many registrations from this network. Try again in %d minute(s).", mins),
		fmt.Sprintf("此网络的注册次数过多，请在 %d 分钟后重试。", mins))
	e.RetryAfter = wait
	return e
}

func (s *Service) openSession(ctx context.Context, u *User, kind, ua string, now time.Time) (string, *Session, error) {
	ttl := s.cfg.SessionTTL
	switch kind {
	case SessionWeb:
	case SessionEnrolment:
		ttl = EnrolmentTTL
	default:
		kind = SessionAPI
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return "", nil, errs.Internalf("token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	if len(ua) > 256 {
		ua = ua[:256]
	}
	now = now.Truncate(time.Microsecond)
	sess := &Session{ID: s.newID("ses"), UserID: u.ID, Kind: kind, UserAgent: strings.ToValidUTF8(ua, ""),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateSession(ctx, sess, TokenHash(tok)); err != nil {
		return "", nil, err
	}
	return tok, sess, nil
}

// TokenHash is how a session token is stored.
func TokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// Authenticate returns the session and user of a token, extending the
// session's idle lifetime. Errors: Unauthenticated UNAUTHENTICATED.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, *User, error) {
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
	now := s.now().UTC().Truncate(time.Microsecond)
	if !now.Before(sess.ExpiresAt) || sess.Kind == SessionEnrolment {
		return nil, nil, unauth
	}
	// Write the new expiry at most once a minute per session.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(s.cfg.SessionTTL)
		if err := s.store.TouchSession(ctx, sess.ID, sess.LastSeenAt, sess.ExpiresAt); err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// Logout revokes the given session.
func (s *Service) Logout(ctx context.Context, sess *Session) error {
	return s.store.RevokeSession(ctx, sess.UserID, sess.ID, s.now().UTC())
}

// Sessions lists the user's live sessions, marking the current one.
func (s *Service) Sessions(ctx context.Context, current *Session) ([]Session, error) {
	list, err := s.store.ListSessions(ctx, current.UserID, s.now().UTC())
	for i := range list {
		list[i].Current = list[i].ID == current.ID
	}
	return list, err
}

// RevokeSession revokes one of the user's own sessions.
// Errors: NotFound SESSION_NOT_FOUND.
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID string) error {
	if sessionID == "" || len(sessionID) > 64 {
		return errSessionNotFound
	}
	return s.store.RevokeSession(ctx, userID, sessionID, s.now().UTC())
}

var errSessionNotFound = errs.New(errs.NotFound, "SESSION_NOT_FOUND", "No such session.", "会话不存在。")

// ErrSessionNotFound is returned by stores for unknown sessions.
func ErrSessionNotFound() *errs.Error { return errSessionNotFound }

// ErrUserNotFound is returned by stores for unknown users.
func ErrUserNotFound() *errs.Error {
	return errs.New(errs.NotFound, "USER_NOT_FOUND", "No such account.", "账号不存在。")
}

// ErrEmailTaken is returned by stores when the email is registered already.
func ErrEmailTaken() *errs.Error {
	return errs.New(errs.Conflict, "EMAIL_TAKEN",
		"An account with this email address exists already. Log in instead.",
		"该邮箱已注册，请直接登录。").OnField("email")
}

// ErrPhoneTaken is returned by stores when the phone is registered already.
func ErrPhoneTaken() *errs.Error {
	return errs.New(errs.Conflict, "PHONE_TAKEN",
		"An account with this mobile number exists already. Log in instead.",
		"该手机号已注册，请直接登录。").OnField("phone")
}

func (s *Service) newID(prefix string) string {
	b := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + "_" + base64.RawURLEncoding.EncodeToString(b)
}

// Consents lists the policy versions the user accepted.
func (s *Service) Consents(ctx context.Context, userID string) ([]Consent, error) {
	return s.store.Consents(ctx, userID)
}

// ConfirmPassword checks a logged-in user's login password before a
// sensitive change (a payment password), throttled like logins: the same
// per-account failure count. Errors: Permission PASSWORD_WRONG,
// TooMany LOGIN_THROTTLED, NotFound for an unknown user.
func (s *Service) ConfirmPassword(ctx context.Context, userID, password string) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	kind, value := ByEmail, u.Email
	if value == "" {
		kind, value = ByPhone, u.Phone
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	key := "confirm:" + userID
	limits := []LoginLimit{{key, s.cfg.MaxFailures}}
	id := s.newID("att")
	chk, err := s.store.BeginLogin(ctx, id, limits, now, now.Add(-s.cfg.FailureWindow), now.Add(-s.cfg.FailureWindow), s.now().Add(-pendingLifetime))
	if err != nil {
		return err
	}
	if chk.Throttled != "" {
		return throttledError(chk.Oldest.Add(s.cfg.FailureWindow).Sub(now))
	}
	if chk.Busy {
		return errBusy
	}
	end := func(failed bool) { _ = s.store.EndLogin(context.WithoutCancel(ctx), id, failed) }
	_, hash, err := s.store.UserByLogin(ctx, kind, value)
	if err != nil {
		end(false)
		return err
	}
	ok, err := s.verify(ctx, password, hash)
	if err != nil {
		end(false)
		return err
	}
	if !ok {
		end(true)
		return errs.New(errs.Permission, "PASSWORD_WRONG", "The login password is wrong.", "登录密码错误。").OnField("password")
	}
	end(false)
	return s.store.ClearLoginFailures(ctx, key)
}
