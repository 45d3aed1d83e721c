package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/netip"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Code purposes.
const (
	PurposeReset    = "reset"     // a forgotten password (SMS code or e-mail link)
	PurposePhoneOld = "phone-old" // a phone change: the code sent to the old number
	PurposePhoneNew = "phone-new" // … and the one sent to the new number
)

// Notice kinds.
const (
	NoticePasswordReset   = "password_reset"
	NoticePasswordChanged = "password_changed"
	NoticePhoneChanged    = "phone_changed"
	NoticeNewLogin        = "new_login"
	NoticeAccountClosed   = "account_closed"
)

// Notice is an in-app message about the account itself (a password reset,
// a login from a new device, …). Adapters encrypt its texts at rest.
type Notice struct {
	ID        string    `json:"id"`
	UserID    string    `json:"-"`
	Kind      string    `json:"kind"`
	EN        string    `json:"text_en"`
	ZH        string    `json:"text_zh"`
	SessionID string    `json:"session_id,omitempty"` // the session a login alert is about
	CreatedAt time.Time `json:"created_at"`
}

// AccountCode is a one-time code (SMS) or link (e-mail) stored by its hash.
type AccountCode struct {
	ID      string
	UserID  string
	Purpose string
	Hash    []byte
	Target  string // the new phone number (PurposePhoneNew); adapters encrypt it
	Expires time.Time
}

// CodeSend is one send of a code or link to Target (a normalised phone
// number or e-mail address, of an account or not) from Client.
type CodeSend struct {
	Target, Client string
	At             time.Time
}

// LifecycleStore persists what issue 16 adds to accounts. sqlstore.Accounts
// implements it; NewService uses it when its Store does. Every method is one
// transaction.
type LifecycleStore interface {
	// SendCode counts a send to its target: check gets the earlier sends
	// to the target in the last 24 hours and from the client in the last
	// hour (oldest first) and refuses with its error; otherwise the send
	// is recorded and, when code is not nil, code replaces the user's
	// unused codes of its purpose.
	SendCode(ctx context.Context, send CodeSend, check func(target, client []time.Time) error, code *AccountCode) error
	// SaveCode stores code in place of the user's unused codes of its purpose.
	SaveCode(ctx context.Context, code *AccountCode) error
	// UseCode spends the user's live code of purpose if its hash is hash;
	// a wrong one counts a try, and a code dies at maxTries.
	// Errors: Invalid CODE_WRONG.
	UseCode(ctx context.Context, userID, purpose string, hash []byte, now time.Time, maxTries int) (*AccountCode, error)
	// LinkUser returns the user of the live code of purpose with that
	// hash (an e-mail link), without spending it. Errors: Invalid CODE_WRONG.
	LinkUser(ctx context.Context, purpose string, hash []byte, now time.Time) (string, error)
	// UseLink spends the live code of purpose with that hash (an e-mail
	// link). Errors: Invalid CODE_WRONG.
	UseLink(ctx context.Context, purpose string, hash []byte, now time.Time) (*AccountCode, error)
	// UpdatePassword sets the password hash, revokes every session of the
	// user but keepSession (""), blocks wallet sends until blockUntil
	// (zero: unchanged) and adds n. Errors: NotFound USER_NOT_FOUND.
	UpdatePassword(ctx context.Context, userID, hash, keepSession string, at, blockUntil time.Time, n *Notice) error
	// ChangePhone sets the user's phone number and adds n.
	// Errors: Conflict PHONE_TAKEN, NotFound USER_NOT_FOUND.
	ChangePhone(ctx context.Context, userID, phone string, n *Notice) error
	// SendsBlockedUntil returns when wallet sends open again (zero: never blocked).
	// Errors: NotFound USER_NOT_FOUND.
	SendsBlockedUntil(ctx context.Context, userID string) (time.Time, error)
	// RememberLogin records that the user logged in from device and
	// network (each "": not known) and reports which of them are new;
	// first is true when the user had no login recorded at all.
	RememberLogin(ctx context.Context, userID, device, network string, at time.Time) (newDevice, newNetwork, first bool, err error)
	// AddNotice stores an in-app notice.
	AddNotice(ctx context.Context, n *Notice) error
	// Notices lists the user's notices, newest first.
	Notices(ctx context.Context, userID string, limit int) ([]Notice, error)
	// CloseAccount marks the account closed at at, to be purged after
	// purgeAfter, frees its e-mail and phone for a new account and
	// revokes every session. Errors: NotFound USER_NOT_FOUND, Conflict ACCOUNT_CLOSED.
	CloseAccount(ctx context.Context, userID string, at, purgeAfter time.Time) error
}

// CodeSender delivers one-time codes by SMS (verification.LogSender and
// verification.HTTPSender implement it).
type CodeSender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// TextSender sends an SMS notice (an optional capability of the CodeSender).
type TextSender interface {
	SendText(ctx context.Context, phone, text string) error
}

// Mailer sends an e-mail (SMTP when configured).
type Mailer interface {
	SendMail(ctx context.Context, to, subject, body string) error
}

// ClosureBlocker says why an account cannot be closed yet: a non-zero
// balance, open holds, tickets or reviews. It returns nil when nothing of
// its kind blocks, else an errs.Conflict error with its own code.
type ClosureBlocker interface {
	ClosureBlocker(ctx context.Context, userID string) error
}

// Lifecycle is the wiring of recovery, alerts and closing. Zero fields
// disable what needs them.
type Lifecycle struct {
	Codes      CodeSender // SMS codes (nil: codes cannot be sent)
	Mail       Mailer     // e-mail links (nil: e-mail recovery answers as usual but sends nothing)
	PublicURL  string     // the site's address for links in e-mails ("": relative links)
	Log        *slog.Logger
	CodeLimits func(now time.Time, target, client []time.Time) error // throttle (nil: none)
	// Device names a User-Agent: a key (browser and system, no version)
	// and a name in each language (nil: devices are not told apart).
	Device    func(ua string) (key, en, zh string)
	Blockers  []ClosureBlocker
	Retention time.Duration // identity records of a closed account are kept this long (0: 5 years)
	Recovery  RecoveryCases // lost-phone recovery through a reviewed verification (nil: not available)
	// async runs the sends of recovery (so a send to a slow gateway does
	// not show whether the account exists); tests may set it to run inline.
	async func(func())
}

// DefaultRetention is how long a closed account's identity records are kept
// (anti-money-laundering law: five years after the relationship ends).
const DefaultRetention = 5 * 365 * 24 * time.Hour

// SendsBlockFor is how long wallet sends stay blocked after a password reset.
const SendsBlockFor = 24 * time.Hour

const (
	codeTTL      = 10 * time.Minute
	linkTTL      = 30 * time.Minute
	codeMaxTries = 5
)

// SetLifecycle installs the recovery, alert and closing wiring.
func (s *Service) SetLifecycle(l Lifecycle) {
	if l.Log == nil {
		l.Log = slog.Default()
	}
	if l.Retention <= 0 {
		l.Retention = DefaultRetention
	}
	if l.async == nil {
		l.async = func(f func()) { go f() }
	}
	s.life = l
}

// Lifecycle returns the installed wiring.
func (s *Service) Lifecycle() Lifecycle { return s.life }

func (s *Service) lifeStore() (LifecycleStore, error) {
	ls, ok := s.store.(LifecycleStore)
	if !ok {
		return nil, errs.New(errs.Unavailable, "NOT_AVAILABLE", "This is not available.", "此功能暂不可用。")
	}
	return ls, nil
}

// codeHash binds a code to its user and purpose; e-mail links are hashed
// alone (they are 256-bit random).
func codeHash(userID, purpose, code string) []byte {
	m := hmac.New(sha256.New, []byte("veriwallet-account-code"))
	fmt.Fprintf(m, "%s\x00%s\x00%s", userID, purpose, code)
	return m.Sum(nil)
}

func (s *Service) sixDigits() (string, error) {
	n, err := rand.Int(s.rand, big.NewInt(1_000_000))
	if err != nil {
		return "", errs.Internalf("code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ForgotInput asks for a password recovery by phone (an SMS code) or
// e-mail (a link).
type ForgotInput struct {
	Email, Phone string
	ClientIP     string
	Lang         string // "zh" or "en": the language of the e-mail
}

// ForgotPassword sends a recovery code or link when the account exists.
// Its answer (nil or the same errors) and its work do not depend on whether
// the account exists: the send itself runs in the background.
// Errors: Invalid (EMAIL_OR_PHONE_REQUIRED, EMAIL_INVALID, PHONE_INVALID),
// TooMany PHONE_CODE_* (from the code limits).
func (s *Service) ForgotPassword(ctx context.Context, in ForgotInput) error {
	c, err := loginOf(in.Email, in.Phone)
	if err != nil {
		return err
	}
	ls, err := s.lifeStore()
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u, _, err := s.store.UserByLogin(ctx, c.kind, c.value)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return err
	}
	if u != nil && u.ClosedAt != nil {
		u = nil
	}
	// The same work on both paths: a code or token is drawn and hashed,
	// and one transaction counts the send; storing the code and sending
	// it happen in the background for an account that exists.
	var secret string
	if c.kind == ByPhone {
		secret, err = s.sixDigits()
	} else {
		b := make([]byte, 32)
		_, err = io.ReadFull(s.rand, b)
		secret = base64.RawURLEncoding.EncodeToString(b)
	}
	if err != nil {
		return errs.Internalf("code: %w", err)
	}
	uid := "usr_unknown"
	if u != nil {
		uid = u.ID
	}
	var hash []byte
	expires := now.Add(codeTTL)
	if c.kind == ByPhone {
		hash = codeHash(uid, PurposeReset, secret)
	} else {
		hash = codeHash("", PurposeReset, secret)
		expires = now.Add(linkTTL)
	}
	var code *AccountCode
	if u != nil {
		code = &AccountCode{ID: s.newID("acd"), UserID: u.ID, Purpose: PurposeReset, Hash: hash, Expires: expires}
	}
	check := func(target, client []time.Time) error {
		if s.life.CodeLimits == nil {
			return nil
		}
		return s.life.CodeLimits(now, target, client)
	}
	if err := ls.SendCode(ctx, CodeSend{Target: string(c.kind) + ":" + c.value, Client: in.ClientIP, At: now}, check, nil); err != nil {
		return err
	}
	if u == nil {
		return nil
	}
	life := s.life
	bg := context.WithoutCancel(ctx)
	deliver := func() error {
		if c.kind == ByPhone {
			if life.Codes == nil {
				return fmt.Errorf("no SMS sender")
			}
			return life.Codes.SendCode(bg, c.value, secret)
		}
		if life.Mail == nil {
			return fmt.Errorf("no mailer configured")
		}
		link := strings.TrimRight(life.PublicURL, "/") + "/reset?token=" + secret
		subject, body := "Reset your veriwallet password", "Someone (we hope you) asked to reset the password of your veriwallet account.\r\n\r\nOpen this link within 30 minutes to choose a new password:\r\n\r\n"+link+"\r\n\r\nIf it was not you, ignore this message; your password stays as it is.\r\n"
		if in.Lang == "zh" {
			subject, body = "重置 veriwallet 钱包密码", "有人（希望是您本人）申请重置您的 veriwallet 钱包账户密码。\r\n\r\n请在 30 分钟内打开以下链接设置新密码：\r\n\r\n"+link+"\r\n\r\n如果不是您本人操作，请忽略此邮件，您的密码不会改变。\r\n"
		}
		return life.Mail.SendMail(bg, c.value, subject, body)
	}
	send := func() {
		err := ls.SaveCode(bg, code)
		if err == nil {
			err = deliver()
		}
		if err != nil {
			life.Log.Error("password recovery not delivered", "user", u.ID, "by", string(c.kind), "err", err)
		}
	}
	life.async(send)
	return nil
}

// ResetInput completes a recovery: the phone and its SMS code, or the
// e-mail link's token, and the new password.
type ResetInput struct {
	Phone, Code string
	Token       string
	Password    string
}

var errCodeWrong = errs.New(errs.Invalid, "CODE_WRONG",
	"The code or link is wrong or has expired. Ask for a new one.",
	"验证码或链接错误或已过期，请重新获取。").OnField("code")

// ErrCodeWrong is returned by stores for a wrong or spent code.
func ErrCodeWrong() *errs.Error { return errCodeWrong }

// ResetPassword sets a new password after a recovery: every session is
// revoked, wallet sends are blocked for 24 hours, and the user gets an
// in-app message and an SMS notice. Errors: Invalid (CODE_WRONG,
// PASSWORD_*), Unavailable NOT_AVAILABLE.
func (s *Service) ResetPassword(ctx context.Context, in ResetInput) (*User, error) {
	ls, err := s.lifeStore()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	// The new password is checked before the code is spent, so that a
	// refused password does not cost the customer the code.
	var u *User
	var spend func() error
	switch {
	case in.Token != "":
		if len(in.Token) > 128 {
			return nil, errCodeWrong
		}
		h := codeHash("", PurposeReset, in.Token)
		uid, err := ls.LinkUser(ctx, PurposeReset, h, now)
		if err != nil {
			return nil, err
		}
		if u, err = s.store.UserByID(ctx, uid); err != nil {
			return nil, err
		}
		spend = func() error { _, err := ls.UseLink(ctx, PurposeReset, h, now); return err }
	case in.Phone != "":
		phone, err := NormalizePhone(in.Phone)
		if err != nil {
			return nil, err
		}
		c := strings.TrimSpace(in.Code)
		if len(c) != 6 {
			return nil, errCodeWrong
		}
		u, _, err = s.store.UserByLogin(ctx, ByPhone, phone)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return nil, err
		}
		if u == nil || u.ClosedAt != nil {
			return nil, errCodeWrong
		}
		spend = func() error {
			_, err := ls.UseCode(ctx, u.ID, PurposeReset, codeHash(u.ID, PurposeReset, c), now, codeMaxTries)
			return err
		}
	default:
		return nil, errCodeWrong
	}
	if err := CheckPassword(in.Password, personalOf(u)...); err != nil {
		return nil, err
	}
	if err := spend(); err != nil {
		return nil, err
	}
	hash, err := s.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	n := s.notice(u.ID, NoticePasswordReset,
		"Your password was reset at %s (China time). Every device was logged out and wallet sends are paused for 24 hours. If this was not you, contact support at once.",
		"您的密码已于 %s（北京时间）重置。所有设备均已退出登录，钱包转出暂停 24 小时。如非本人操作，请立即联系客服。", now, "")
	// The block is recorded on every reset; the wallet decides whether
	// it matters (an account without a payment password has nothing to drain).
	if err := ls.UpdatePassword(ctx, u.ID, hash, "", now, now.Add(SendsBlockFor), n); err != nil {
		return nil, err
	}
	s.text(ctx, u, n)
	return u, nil
}

// WalletSendsBlockedUntil returns when the user's wallet sends open again
// after a password reset (zero or a past time: not blocked). The wallet
// refuses sends before it. Errors: NotFound USER_NOT_FOUND.
func (s *Service) WalletSendsBlockedUntil(ctx context.Context, userID string) (time.Time, error) {
	ls, err := s.lifeStore()
	if err != nil {
		return time.Time{}, err
	}
	return ls.SendsBlockedUntil(ctx, userID)
}

func personalOf(u *User) []string {
	var p []string
	if u.Email != "" {
		p = append(p, u.Email, u.Email[:strings.IndexByte(u.Email, '@')])
	}
	if u.Phone != "" {
		p = append(p, u.Phone, strings.TrimPrefix(u.Phone, "+86"))
	}
	return p
}

func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, salt); err != nil {
		return "", errs.Internalf("salt: %w", err)
	}
	done, err := s.slot(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return HashPassword(pw, salt, s.cfg.Argon2), nil
}

func (s *Service) notice(userID, kind, en, zh string, at time.Time, sessionID string) *Notice {
	when := at.In(chinaTime).Format("2006-01-02 15:04")
	return &Notice{ID: s.newID("ntc"), UserID: userID, Kind: kind, EN: fmt.Sprintf(en, when), ZH: fmt.Sprintf(zh, when),
		SessionID: sessionID, CreatedAt: at}
}

var chinaTime = time.FixedZone("CST", 8*3600)

// text sends n as an SMS notice to the user's phone, when there is one
// and the sender can send notices; failures are logged.
func (s *Service) text(ctx context.Context, u *User, n *Notice) {
	ts, ok := s.life.Codes.(TextSender)
	if u.Phone == "" || !ok {
		return
	}
	if err := ts.SendText(context.WithoutCancel(ctx), u.Phone, "【veriwallet】"+n.ZH+" / "+n.EN); err != nil {
		s.life.Log.Error("SMS notice not delivered", "user", u.ID, "kind", n.Kind, "err", err)
	}
}

var errPasswordWrong = errs.New(errs.Invalid, "CURRENT_PASSWORD_WRONG", "The current password is wrong.", "当前密码错误。").OnField("current_password")

// checkCurrent verifies the user's current password, counting a wrong one
// as a failed login of the account (the login throttle applies).
func (s *Service) checkCurrent(ctx context.Context, u *User, pw string) error {
	kind, value := ByEmail, u.Email
	if value == "" {
		kind, value = ByPhone, u.Phone
	}
	_, hash, err := s.store.UserByLogin(ctx, kind, value)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	key := "acct:" + string(kind) + ":" + value
	id := s.newID("att")
	chk, err := s.store.BeginLogin(ctx, id, []LoginLimit{{key, 10 * s.cfg.MaxFailures}}, now, now.Add(-s.cfg.FailureWindow), now.Add(-s.cfg.FailureWindow), now.Add(-pendingLifetime))
	if err != nil {
		return err
	}
	if chk.Throttled != "" {
		return throttledError(chk.Oldest.Add(s.cfg.FailureWindow).Sub(now))
	}
	ok, err := s.verify(ctx, pw, hash)
	_ = s.store.EndLogin(context.WithoutCancel(ctx), id, err == nil && !ok)
	if err != nil {
		return err
	}
	if !ok {
		return errPasswordWrong
	}
	return nil
}

// ChangePassword replaces the password of the session's user after
// checking the current one; every other session is revoked.
// Errors: Invalid (CURRENT_PASSWORD_WRONG, PASSWORD_*), TooMany LOGIN_THROTTLED.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, u *User, current, next string) error {
	ls, err := s.lifeStore()
	if err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, u, current); err != nil {
		return err
	}
	if err := CheckPassword(next, personalOf(u)...); err != nil {
		return err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	n := s.notice(u.ID, NoticePasswordChanged,
		"Your password was changed at %s (China time); your other devices were logged out.",
		"您的密码已于 %s（北京时间）修改，其他设备已退出登录。", now, "")
	if err := ls.UpdatePassword(ctx, u.ID, hash, sess.ID, now, time.Time{}, n); err != nil {
		return err
	}
	s.text(ctx, u, n)
	return nil
}

// PhoneChangeInput starts a phone change.
type PhoneChangeInput struct {
	NewPhone string
	Password string
	ClientIP string
}

// StartPhoneChange checks the password and sends one code to the old
// number (when the account has one) and one to the new number.
// Errors: Invalid (PHONE_INVALID, CURRENT_PASSWORD_WRONG, PHONE_SAME),
// Conflict PHONE_TAKEN, TooMany PHONE_CODE_*, Unavailable SMS_UNAVAILABLE.
func (s *Service) StartPhoneChange(ctx context.Context, u *User, in PhoneChangeInput) error {
	ls, err := s.lifeStore()
	if err != nil {
		return err
	}
	phone, err := NormalizePhone(in.NewPhone)
	if err != nil {
		return err
	}
	if phone == u.Phone {
		return errs.New(errs.Invalid, "PHONE_SAME", "This is your current number.", "这是您当前的手机号。").OnField("phone")
	}
	if other, _, err := s.store.UserByLogin(ctx, ByPhone, phone); err == nil && other.ClosedAt == nil {
		return ErrPhoneTaken()
	}
	if err := s.checkCurrent(ctx, u, in.Password); err != nil {
		return err
	}
	if s.life.Codes == nil {
		return errSMS
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	check := func(target, client []time.Time) error {
		if s.life.CodeLimits == nil {
			return nil
		}
		return s.life.CodeLimits(now, target, client)
	}
	type send struct{ purpose, to string }
	sends := []send{{PurposePhoneNew, phone}}
	if u.Phone != "" {
		sends = append(sends, send{PurposePhoneOld, u.Phone})
	}
	for _, sd := range sends {
		code, err := s.sixDigits()
		if err != nil {
			return err
		}
		ac := &AccountCode{ID: s.newID("acd"), UserID: u.ID, Purpose: sd.purpose, Hash: codeHash(u.ID, sd.purpose, code),
			Expires: now.Add(codeTTL), Target: phone}
		if err := ls.SendCode(ctx, CodeSend{Target: "phone:" + sd.to, Client: in.ClientIP, At: now}, check, ac); err != nil {
			return err
		}
		if err := s.life.Codes.SendCode(ctx, sd.to, code); err != nil {
			return errSMS.Wrap(err)
		}
	}
	return nil
}

var errSMS = errs.New(errs.Unavailable, "SMS_UNAVAILABLE", "The text message could not be sent just now. Try again in a minute.",
	"短信暂时无法发送，请一分钟后重试。")

// ConfirmPhoneChange checks the codes sent to the old number (oldCode;
// ignored when the account had no phone) and to the new one, and changes
// the number. A verified account's name and ID number are untouched.
// Errors: Invalid CODE_WRONG, Conflict PHONE_TAKEN.
func (s *Service) ConfirmPhoneChange(ctx context.Context, u *User, oldCode, newCode string) (*User, error) {
	ls, err := s.lifeStore()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	oldCode, newCode = strings.TrimSpace(oldCode), strings.TrimSpace(newCode)
	if len(newCode) != 6 || (u.Phone != "" && len(oldCode) != 6) {
		return nil, errCodeWrong
	}
	if u.Phone != "" {
		if _, err := ls.UseCode(ctx, u.ID, PurposePhoneOld, codeHash(u.ID, PurposePhoneOld, oldCode), now, codeMaxTries); err != nil {
			return nil, errs.New(errs.Invalid, "OLD_CODE_WRONG", "The code sent to your current number is wrong or has expired.",
				"发送到原手机号的验证码错误或已过期。").OnField("old_code")
		}
	}
	code, err := ls.UseCode(ctx, u.ID, PurposePhoneNew, codeHash(u.ID, PurposePhoneNew, newCode), now, codeMaxTries)
	if err != nil {
		return nil, errs.New(errs.Invalid, "NEW_CODE_WRONG", "The code sent to your new number is wrong or has expired.",
			"发送到新手机号的验证码错误或已过期。").OnField("new_code")
	}
	n := s.notice(u.ID, NoticePhoneChanged, "Your mobile number was changed at %s (China time).",
		"您的手机号已于 %s（北京时间）更换。", now, "")
	if err := ls.ChangePhone(ctx, u.ID, code.Target, n); err != nil {
		return nil, err
	}
	old := *u
	u2 := *u
	u2.Phone = code.Target
	s.text(ctx, &old, n) // the notice goes to the old number too
	return &u2, nil
}

// Notices lists the user's account notices, newest first.
func (s *Service) Notices(ctx context.Context, userID string) ([]Notice, error) {
	ls, err := s.lifeStore()
	if err != nil {
		return nil, err
	}
	return ls.Notices(ctx, userID, 50)
}

// NetworkOf returns the network of a client address for login alerts: its
// /24 (IPv4) or /48 (IPv6); "" when it is not an address.
func NetworkOf(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// loginAlert records the device and network of a new session and, when
// either is new for the user (and the user logged in before), leaves an
// in-app notice (and an SMS notice) naming them, with the session to
// revoke. Failures are logged: they never fail the login.
func (s *Service) loginAlert(ctx context.Context, u *User, sess *Session, ua, clientIP string, at time.Time) {
	ls, ok := s.store.(LifecycleStore)
	if !ok {
		return
	}
	device, en, zh := "", "an unknown device", "未知设备"
	if s.life.Device != nil {
		device, en, zh = s.life.Device(ua)
	}
	newDevice, newNetwork, first, err := ls.RememberLogin(ctx, u.ID, device, NetworkOf(clientIP), at)
	if err != nil {
		s.life.logger().Error("login alert", "err", err)
		return
	}
	if first || (!newDevice && !newNetwork) {
		return
	}
	n := s.notice(u.ID, NoticeNewLogin, "New login to your account at %s (China time) from "+en+
		". If this was not you, log that session out and change your password.",
		"您的账户于 %s（北京时间）在新设备或网络上登录："+zh+"。如非本人操作，请退出该会话并修改密码。", at, sess.ID)
	if err := ls.AddNotice(ctx, n); err != nil {
		s.life.logger().Error("login alert", "err", err)
		return
	}
	s.text(ctx, u, n)
}

func (l Lifecycle) logger() *slog.Logger {
	if l.Log == nil {
		return slog.Default()
	}
	return l.Log
}

// CloseAccount closes the session user's account after checking the
// password and every ClosureBlocker: sessions are revoked, login is
// refused with ACCOUNT_CLOSED, the e-mail and phone may register again,
// and the identity records are kept for the retention period.
// Errors: Invalid CURRENT_PASSWORD_WRONG, Conflict (a blocker's code).
func (s *Service) CloseAccount(ctx context.Context, u *User, password string) error {
	ls, err := s.lifeStore()
	if err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, u, password); err != nil {
		return err
	}
	for _, b := range s.life.Blockers {
		if err := b.ClosureBlocker(ctx, u.ID); err != nil {
			return err
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	ret := s.life.Retention
	if ret <= 0 {
		ret = DefaultRetention
	}
	return ls.CloseAccount(ctx, u.ID, now, now.Add(ret))
}

// ErrAccountClosed is the answer to a login to a closed account.
func ErrAccountClosed() *errs.Error {
	return errs.New(errs.Permission, "ACCOUNT_CLOSED",
		"This account was closed. You may register a new account with the same e-mail address or mobile number.",
		"该账户已注销。您可以使用相同的邮箱或手机号注册新账户。")
}

// RecoveryCase is what a lost-phone recovery needs to know of a
// verification case of the user.
type RecoveryCase struct {
	Phone            string    // the case's confirmed phone number ("": not confirmed)
	ReviewerApproved bool      // approved, and by a reviewer (not the engine)
	SamePerson       bool      // its ID matches an earlier approved case of the user
	DecidedAt        time.Time // when it was approved
}

// RecoveryCases reads verification cases for a lost-phone recovery (the
// app implements it over the verification store).
type RecoveryCases interface {
	// RecoveryCase describes the user's case. Errors: NotFound (another user's or no case).
	RecoveryCase(ctx context.Context, userID, caseID string) (RecoveryCase, error)
}

// recoveryMaxAge bounds how old the approval of a recovery case may be.
const recoveryMaxAge = 30 * 24 * time.Hour

// RecoverPhone changes the phone number of a user who lost the old one:
// caseID must be a fresh verification of the same person (the same ID as
// an earlier approved case), with new ID photos and the new number
// confirmed by its code, approved by a reviewer. Name and ID number stay.
// Errors: NotFound, Invalid RECOVERY_CASE_NOT_APPROVED, RECOVERY_CASE_OTHER_PERSON,
// RECOVERY_CASE_NO_PHONE, PHONE_SAME; Conflict PHONE_TAKEN.
func (s *Service) RecoverPhone(ctx context.Context, u *User, caseID string) (*User, error) {
	ls, err := s.lifeStore()
	if err != nil {
		return nil, err
	}
	if s.life.Recovery == nil {
		return nil, errs.New(errs.Unavailable, "NOT_AVAILABLE", "This is not available.", "此功能暂不可用。")
	}
	if caseID == "" || len(caseID) > 64 {
		return nil, errs.New(errs.NotFound, "CASE_NOT_FOUND", "No such verification.", "认证不存在。")
	}
	rc, err := s.life.Recovery.RecoveryCase(ctx, u.ID, caseID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	switch {
	case !rc.ReviewerApproved || now.Sub(rc.DecidedAt) > recoveryMaxAge:
		return nil, errs.New(errs.Invalid, "RECOVERY_CASE_NOT_APPROVED",
			"This verification has not been approved by our team (in the last 30 days). Wait for the review, or start a new one.",
			"该实名认证尚未通过人工审核（或已超过 30 天）。请等待审核结果，或重新发起认证。")
	case !rc.SamePerson:
		return nil, errs.New(errs.Invalid, "RECOVERY_CASE_OTHER_PERSON",
			"This verification is not of the person this account was verified for. The name and ID number of a verified account never change.",
			"该实名认证与本账户已认证的身份不一致。已认证账户的姓名和证件号码不能更改。")
	case rc.Phone == "":
		return nil, errs.New(errs.Invalid, "RECOVERY_CASE_NO_PHONE", "This verification has no confirmed mobile number.", "该实名认证没有已验证的手机号。")
	case rc.Phone == u.Phone:
		return nil, errs.New(errs.Invalid, "PHONE_SAME", "This is your current number.", "这是您当前的手机号。").OnField("phone")
	}
	n := s.notice(u.ID, NoticePhoneChanged, "Your mobile number was changed at %s (China time), after a verification approved by our team.",
		"您的手机号已于 %s（北京时间）经人工审核的实名认证后更换。", now, "")
	if err := ls.ChangePhone(ctx, u.ID, rc.Phone, n); err != nil {
		return nil, err
	}
	u2 := *u
	u2.Phone = rc.Phone
	s.text(ctx, &u2, n)
	return &u2, nil
}

// ErrSendsBlocked is the error the wallet returns for a send before until
// (WalletSendsBlockedUntil): it says when sends open again, in China time.
// Kind Permission, code SENDS_BLOCKED_AFTER_RESET, RetryAfter set from now.
func ErrSendsBlocked(until, now time.Time) *errs.Error {
	at := until.In(chinaTime).Format("2006-01-02 15:04")
	e := errs.New(errs.Permission, "SENDS_BLOCKED_AFTER_RESET",
		"Your password was reset recently, so sending money is paused until "+at+" (China time) to protect your wallet.",
		"您的密码刚刚重置，为保护钱包安全，转出已暂停至 "+at+"（北京时间）。")
	e.RetryAfter = max(until.Sub(now), time.Second)
	return e
}
