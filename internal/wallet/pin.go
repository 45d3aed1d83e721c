package wallet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// PINState is a stored payment password: its MAC and its throttle.
type PINState struct {
	MAC         []byte
	Failures    int       // wrong tries since the last right one or lock
	Locks       int       // how many times payments were locked (each lock lasts longer)
	LockedUntil time.Time // zero: not locked
}

// PINPolicy is the payment password throttle: MaxFailures wrong tries lock
// payments for LockFor, each further lock twice as long, at most MaxLock.
type PINPolicy struct {
	MaxFailures int
	LockFor     time.Duration
	MaxLock     time.Duration
}

// DefaultPINPolicy: 5 wrong tries lock payments for 15 minutes, then 30,
// 60, … up to 24 hours.
var DefaultPINPolicy = PINPolicy{MaxFailures: 5, LockFor: 15 * time.Minute, MaxLock: 24 * time.Hour}

// LockDuration is how long the n-th lock (1 for the first) lasts.
func (p PINPolicy) LockDuration(n int) time.Duration {
	d := p.LockFor
	for i := 1; i < n && d < p.MaxLock; i++ {
		d *= 2
	}
	return min(d, p.MaxLock)
}

// PINStore keeps payment passwords. sqlstore implements it.
type PINStore interface {
	// SetPaymentPassword stores mac as the user's payment password and
	// clears its wrong tries (not its lock).
	SetPaymentPassword(ctx context.Context, userID string, mac []byte, at time.Time) error
	// PaymentPassword returns the stored state; NotFound when none is set.
	PaymentPassword(ctx context.Context, userID string) (PINState, error)
	// TryPaymentPassword compares mac with the stored one in one
	// transaction serialised per user: right resets the wrong tries and
	// locks; wrong counts a try and, at p.MaxFailures, locks payments. It
	// returns the state after the try and whether it was right; a locked
	// state refuses the try without comparing.
	TryPaymentPassword(ctx context.Context, userID string, mac []byte, at time.Time, p PINPolicy) (PINState, bool, error)
}

// Identity is what the payment password needs of accounts and
// verification.
type Identity interface {
	// ConfirmPassword checks the user's login password (throttled like
	// logins). Errors: Unauthenticated, TooMany.
	ConfirmPassword(ctx context.Context, userID, password string) error
	// VerifiedBirthDate is the birth date on the ID of the user's verified
	// case; ok false when the user is not verified.
	VerifiedBirthDate(ctx context.Context, userID string) (d idrules.Date, ok bool, err error)
}

// PaymentPasswords sets and checks payment passwords. It implements the
// ledger's PaymentPasswords.
type PaymentPasswords struct {
	Store    PINStore
	Identity Identity
	// Key is the HMAC key (derive it from the keyring: BlindIndex of a
	// fixed domain).
	Key    []byte
	Policy PINPolicy // zero: DefaultPINPolicy
	Now    func() time.Time

	mu    sync.Mutex
	users map[string]*userLock
}

type userLock struct {
	sync.Mutex
	n int
}

func (s *PaymentPasswords) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *PaymentPasswords) policy() PINPolicy {
	if s.Policy.MaxFailures == 0 {
		return DefaultPINPolicy
	}
	return s.Policy
}

// mac is the keyed hash of a user's PIN: bound to the user so equal PINs
// do not show as equal rows.
func (s *PaymentPasswords) mac(userID, pin string) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(pin))
	return m.Sum(nil)
}

// lock serialises this process's checks of one user's PIN, so that
// concurrent guesses are counted one after another; the database counts
// them across servers.
func (s *PaymentPasswords) lock(userID string) func() {
	s.mu.Lock()
	if s.users == nil {
		s.users = map[string]*userLock{}
	}
	l := s.users[userID]
	if l == nil {
		l = &userLock{}
		s.users[userID] = l
	}
	l.n++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.n--; l.n == 0 {
			delete(s.users, userID)
		}
		s.mu.Unlock()
	}
}

// Errors of the payment password.
var (
	errPINNotSet = errs.New(errs.Permission, "PAYMENT_PASSWORD_NOT_SET",
		"Set a payment password first (Wallet → Payment password).", "请先设置支付密码（钱包 → 支付密码）。")
	errPINFormat = errs.New(errs.Invalid, "PAYMENT_PASSWORD_FORMAT",
		"The payment password is 6 digits.", "支付密码为 6 位数字。").OnField("payment_password")
	errPINTrivial = errs.New(errs.Invalid, "PAYMENT_PASSWORD_TOO_SIMPLE",
		"This payment password is too easy to guess (a sequence, a repeat or your birth date). Choose another.",
		"支付密码过于简单（连续数字、重复数字或生日），请换一个。").OnField("payment_password")
	errNotVerified = errs.New(errs.Permission, "VERIFICATION_REQUIRED",
		"Complete real-name verification first: /verify", "请先完成实名认证：/verify")
)

func errPINWrong(left int) error {
	return errs.New(errs.Permission, "PAYMENT_PASSWORD_WRONG",
		fmt.Sprintf("The payment password is wrong. %d tries left before payments are locked.", left),
		fmt.Sprintf("支付密码错误，还可尝试 %d 次，之后将暂停支付。", left)).OnField("payment_password")
}

func errPINLocked(wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	mins := int((wait + time.Minute - 1) / time.Minute)
	e := errs.New(errs.TooMany, "PAYMENT_PASSWORD_LOCKED",
		fmt.Sprintf("Too many wrong payment passwords: payments are locked for %d minute(s).", mins),
		fmt.Sprintf("支付密码错误次数过多，支付已暂停 %d 分钟。", mins))
	e.RetryAfter = wait
	return e
}

// Set sets or changes the user's payment password after checking the
// login password. Only verified customers may set one. Errors: Invalid
// PAYMENT_PASSWORD_FORMAT, PAYMENT_PASSWORD_TOO_SIMPLE; Permission
// VERIFICATION_REQUIRED; the login password check's errors.
func (s *PaymentPasswords) Set(ctx context.Context, userID, pin, password string) error {
	if !validPIN(pin) {
		return errPINFormat
	}
	birth, ok, err := s.Identity.VerifiedBirthDate(ctx, userID)
	if err != nil {
		return err
	}
	if !ok {
		return errNotVerified
	}
	var bd *idrules.Date
	if !birth.IsZero() {
		bd = &birth
	}
	if TrivialPIN(pin, bd) {
		return errPINTrivial
	}
	if err := s.Identity.ConfirmPassword(ctx, userID, password); err != nil {
		return err
	}
	return s.Store.SetPaymentPassword(ctx, userID, s.mac(userID, pin), s.now())
}

// IsSet reports whether the user has a payment password.
func (s *PaymentPasswords) IsSet(ctx context.Context, userID string) (bool, error) {
	_, err := s.Store.PaymentPassword(ctx, userID)
	if errs.KindOf(err) == errs.NotFound {
		return false, nil
	}
	return err == nil, err
}

// Check checks the user's payment password (the ledger's PaymentPasswords).
// A right one with no wrong tries pending is a read and an HMAC; anything
// else goes through the store's serialised count. Errors: Permission
// VERIFICATION_REQUIRED (no payment password and not verified),
// PAYMENT_PASSWORD_NOT_SET, PAYMENT_PASSWORD_WRONG; TooMany
// PAYMENT_PASSWORD_LOCKED (with RetryAfter); Invalid PAYMENT_PASSWORD_FORMAT.
func (s *PaymentPasswords) Check(ctx context.Context, userID, pin string) error {
	if !validPIN(pin) {
		return errPINFormat
	}
	unlock := s.lock(userID)
	defer unlock()
	now := s.now()
	st, err := s.Store.PaymentPassword(ctx, userID)
	if errs.KindOf(err) == errs.NotFound {
		// Unverified customers cannot set one: tell them what comes first.
		if _, ok, verr := s.Identity.VerifiedBirthDate(ctx, userID); verr == nil && !ok {
			return errNotVerified
		}
		return errPINNotSet
	}
	if err != nil {
		return err
	}
	if st.LockedUntil.After(now) {
		return errPINLocked(st.LockedUntil.Sub(now))
	}
	mac := s.mac(userID, pin)
	if st.Failures == 0 && hmac.Equal(st.MAC, mac) {
		return nil
	}
	p := s.policy()
	// Recorded even when the client goes away meanwhile.
	st, ok, err := s.Store.TryPaymentPassword(context.WithoutCancel(ctx), userID, mac, now, p)
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case st.LockedUntil.After(now):
		return errPINLocked(st.LockedUntil.Sub(now))
	}
	return errPINWrong(p.MaxFailures - st.Failures)
}

// RecordFailure counts a wrong second factor on a payment like a wrong
// payment password: the same 5 tries lock payments. Errors: TooMany
// PAYMENT_PASSWORD_LOCKED once the lock starts.
func (s *PaymentPasswords) RecordFailure(ctx context.Context, userID string) error {
	unlock := s.lock(userID)
	defer unlock()
	now := s.now()
	// A MAC no payment password has (an HMAC output is never all zero bytes).
	st, _, err := s.Store.TryPaymentPassword(context.WithoutCancel(ctx), userID, make([]byte, 32), now, s.policy())
	if err != nil {
		return err
	}
	if st.LockedUntil.After(now) {
		return errPINLocked(st.LockedUntil.Sub(now))
	}
	return nil
}

func validPIN(pin string) bool {
	if len(pin) != 6 {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}

// commonPINs are 6-digit PINs people choose most that the pattern rules
// below miss.
var commonPINs = map[string]bool{
	"123321": true, "112233": true, "147258": true, "258369": true, "159357": true, "147369": true,
	"789456": true, "456123": true, "111222": true, "666888": true, "888666": true, "131420": true,
	"201314": true, "100200": true, "000111": true, "778899": true, "321123": true, "987789": true,
}

// TrivialPIN reports whether a 6-digit PIN is too easy to guess: one digit
// repeated, an ascending or descending run (123456, 654321, 901234), two
// or three digits repeated (121212, 520520), a well-known PIN, or the
// birth date (when given) as YYMMDD, DDMMYY, MMDDYY or with MMDD at either
// end.
func TrivialPIN(pin string, birth *idrules.Date) bool {
	if !validPIN(pin) || commonPINs[pin] {
		return true
	}
	up, down := true, true
	for i := 1; i < 6; i++ {
		d := int(pin[i]) - int(pin[i-1])
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if up || down {
		return true
	}
	if pin[0:2] == pin[2:4] && pin[2:4] == pin[4:6] || pin[0:3] == pin[3:6] {
		return true // also covers one digit repeated
	}
	if birth != nil {
		yy := fmt.Sprintf("%02d", birth.Year%100)
		mm := fmt.Sprintf("%02d", birth.Month)
		dd := fmt.Sprintf("%02d", birth.Day)
		for _, f := range []string{yy + mm + dd, dd + mm + yy, mm + dd + yy} {
			if pin == f {
				return true
			}
		}
		if pin[:4] == mm+dd || pin[2:] == mm+dd {
			return true
		}
	}
	return false
}
