package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// The account's own pages (issue 16): forgotten password, reset, change of
// password and phone, security (sessions and alerts), closing, export.

// ExportState is what the export page shows of the latest export request.
type ExportState struct {
	ID      string
	Status  string // "", pending, ready, downloaded, expired
	Expires time.Time
}

// lifeView is the data of these pages.
type lifeView struct {
	Sent, Done    bool
	OldPhone      bool
	BlockedUntil  *when
	Notices       []noticeView
	Cases         []caseOption // the phone page: approved cases that may replace a lost number
	Export        string
	ExportID      string
	ExportExpires when
}

type caseOption struct{ ID, Number, Phone string }

type noticeView struct {
	Kind, Text, SessionID string
	SessionLive           bool
	At                    when
}

func init() {
	for k, v := range lifeMessages {
		messages[k] = v
	}
}

var lifeMessages = map[string]i18n.Text{
	"login.forgot":      i18n.T("Forgot your password?", "忘记密码？"),
	"forgot.title":      i18n.T("Forgot your password", "找回密码"),
	"forgot.lead":       i18n.T("Enter the mobile number or e-mail address of your account. We send a code by SMS, or a link by e-mail.", "请输入账户的手机号或邮箱。我们将通过短信发送验证码，或通过邮件发送链接。"),
	"forgot.submit":     i18n.T("Send", "发送"),
	"forgot.sent":       i18n.T("If an account with this e-mail address or mobile number exists, a code or link is on its way. It is valid for 10 minutes (a link: 30).", "如果存在使用该邮箱或手机号的账户，验证码或链接已发送，验证码 10 分钟内有效（链接 30 分钟）。"),
	"forgot.enter":      i18n.T("Enter the code", "输入验证码"),
	"reset.title":       i18n.T("Choose a new password", "设置新密码"),
	"reset.code":        i18n.T("Code from the text message", "短信验证码"),
	"reset.password":    i18n.T("New password (at least 8 characters)", "新密码（至少 8 个字符）"),
	"reset.warn":        i18n.T("Every device will be logged out, and sending money from the wallet pauses for 24 hours.", "所有设备都将退出登录，钱包转出将暂停 24 小时。"),
	"reset.submit":      i18n.T("Set the new password", "设置新密码"),
	"reset.done":        i18n.T("Your password was reset. Log in with the new one.", "密码已重置，请使用新密码登录。"),
	"password.title":    i18n.T("Change password", "修改密码"),
	"password.current":  i18n.T("Current password", "当前密码"),
	"password.new":      i18n.T("New password (at least 8 characters)", "新密码（至少 8 个字符）"),
	"password.lead":     i18n.T("Your other devices will be logged out.", "您的其他设备将退出登录。"),
	"password.submit":   i18n.T("Change password", "修改密码"),
	"password.done":     i18n.T("Your password was changed; your other devices were logged out.", "密码已修改，其他设备已退出登录。"),
	"phone.title":       i18n.T("Change mobile number", "更换手机号"),
	"phone.lead":        i18n.T("We send a code to your current number and one to the new number.", "我们将向您的原手机号和新手机号各发送一个验证码。"),
	"phone.new":         i18n.T("New mobile number", "新手机号"),
	"phone.send":        i18n.T("Send the codes", "发送验证码"),
	"phone.oldcode":     i18n.T("Code sent to your current number", "原手机号收到的验证码"),
	"phone.newcode":     i18n.T("Code sent to the new number", "新手机号收到的验证码"),
	"phone.confirm":     i18n.T("Change the number", "确认更换"),
	"phone.done":        i18n.T("Your mobile number was changed.", "手机号已更换。"),
	"phone.lost":        i18n.T("Lost your old number? Contact support: a new identity verification with a fresh photo of your ID, approved by our team, replaces it. Your name and ID number never change here.", "原手机号已无法使用？请联系客服：需重新进行一次实名认证（上传新的证件照片），经人工审核通过后更换。姓名和证件号码不能在此修改。"),
	"phone.lost.title":  i18n.T("Replace a lost number", "更换已无法使用的手机号"),
	"phone.recover":     i18n.T("Use this verified number", "使用该已认证的手机号"),
	"phone.startnew":    i18n.T("Start a new identity verification", "重新进行实名认证"),
	"security.title":    i18n.T("Security", "账户安全"),
	"security.alerts":   i18n.T("Alerts", "安全提醒"),
	"security.noalerts": i18n.T("No alerts.", "暂无提醒。"),
	"security.revoke":   i18n.T("Log that session out", "退出该会话"),
	"security.blocked":  i18n.T("After the password reset, sending money from the wallet is paused until", "密码重置后，钱包转出暂停至"),
	"close.title":       i18n.T("Close account", "注销账户"),
	"close.lead":        i18n.T("Closing is final: you are logged out everywhere and cannot log in again.", "注销后不可恢复：所有设备将退出登录，且无法再次登录。"),
	"close.rule1":       i18n.T("Only with a zero balance, and no pending payments, open tickets or reviews.", "仅当余额为零，且没有待处理的付款、工单或审核时才能注销。"),
	"close.rule2":       i18n.T("The law requires us to keep your identity records for 5 years; then they are destroyed.", "依照法律，您的身份资料将保存 5 年，之后销毁。"),
	"close.rule3":       i18n.T("Your e-mail address and mobile number can register a new account at once.", "您的邮箱和手机号可以立即注册新账户。"),
	"close.submit":      i18n.T("Close my account", "注销我的账户"),
	"close.done":        i18n.T("Your account was closed.", "您的账户已注销。"),
	"export.title":      i18n.T("Download your data", "下载我的数据"),
	"export.lead":       i18n.T("A ZIP with your account, verifications, documents and messages, as JSON and CSV. It can be downloaded once, within 24 hours.", "一个 ZIP 文件，包含您的账户、实名认证、证件和消息，格式为 JSON 和 CSV。可在 24 小时内下载一次。"),
	"export.request":    i18n.T("Prepare my data", "准备我的数据"),
	"export.pending":    i18n.T("Your data is being prepared. This takes a minute.", "正在准备您的数据，大约需要一分钟。"),
	"export.refresh":    i18n.T("Refresh", "刷新"),
	"export.ready":      i18n.T("Your data is ready. The download works once, until", "您的数据已准备好，可下载一次，截止至"),
	"export.download":   i18n.T("Download (ZIP)", "下载（ZIP）"),
	"export.downloaded": i18n.T("Your last export was downloaded. Ask for a new one at any time.", "上次的导出文件已下载，您可以随时重新申请。"),
	"export.expired":    i18n.T("Your last export expired unused. Ask for a new one.", "上次的导出文件已过期，请重新申请。"),
	"account.security":  i18n.T("Security: password, phone, alerts, data, closing", "账户安全：密码、手机号、提醒、数据、注销"),
}

// mustUser returns the logged-in user or redirects to the login page.
func (wb *Web) mustUser(w http.ResponseWriter, r *http.Request) (*identity.Session, *identity.User) {
	s, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
	}
	return s, u
}

func (wb *Web) lifePage(r *http.Request, title string) *page {
	p := wb.newPage(r, title)
	p.Life = &lifeView{}
	return p
}

func (wb *Web) forgotForm(w http.ResponseWriter, r *http.Request) {
	wb.render(w, http.StatusOK, "forgot", wb.lifePage(r, "forgot.title"))
}

func (wb *Web) forgot(w http.ResponseWriter, r *http.Request) {
	p := wb.lifePage(r, "forgot.title")
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "forgot", p, err)
		return
	}
	p.Form["account"] = r.PostForm.Get("account")
	email, phone := splitAccount(p.Form["account"])
	lang := "en"
	if i18n.Lang(p.Lang) == i18n.ZH {
		lang = "zh"
	}
	if err := wb.Accounts.ForgotPassword(r.Context(), identity.ForgotInput{Email: email, Phone: phone,
		ClientIP: httpx.ClientIP(r, wb.TrustProxy), Lang: lang}); err != nil {
		wb.fail(w, r, "forgot", p, err)
		return
	}
	p.Life.Sent = true
	p.Form["phone"] = phone
	wb.render(w, http.StatusOK, "forgot", p)
}

func (wb *Web) resetForm(w http.ResponseWriter, r *http.Request) {
	p := wb.lifePage(r, "reset.title")
	p.Form["token"] = r.URL.Query().Get("token")
	p.Form["phone"] = r.URL.Query().Get("phone")
	wb.render(w, http.StatusOK, "reset", p)
}

func (wb *Web) reset(w http.ResponseWriter, r *http.Request) {
	p := wb.lifePage(r, "reset.title")
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "reset", p, err)
		return
	}
	p.Form["token"], p.Form["phone"] = r.PostForm.Get("token"), r.PostForm.Get("phone")
	if _, err := wb.Accounts.ResetPassword(r.Context(), identity.ResetInput{Phone: p.Form["phone"], Code: r.PostForm.Get("code"),
		Token: p.Form["token"], Password: r.PostForm.Get("password")}); err != nil {
		wb.fail(w, r, "reset", p, err)
		return
	}
	httpx.ClearSessionCookie(w, r, wb.SecureCookie)
	lp := wb.newPage(r, "login.title")
	lp.Notice = lp.T("reset.done")
	wb.render(w, http.StatusOK, "login", lp)
}

func (wb *Web) passwordForm(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "password.title")
	p.User = u
	wb.render(w, http.StatusOK, "password", p)
}

func (wb *Web) changePassword(w http.ResponseWriter, r *http.Request) {
	s, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "password.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "password", p, err)
		return
	}
	if err := wb.Accounts.ChangePassword(r.Context(), s, u, r.PostForm.Get("current_password"), r.PostForm.Get("new_password")); err != nil {
		wb.fail(w, r, "password", p, err)
		return
	}
	p.Life.Done = true
	wb.render(w, http.StatusOK, "password", p)
}

func (wb *Web) phoneForm(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "phone.title")
	p.User = u
	wb.recoveryOptions(r, u, p)
	wb.render(w, http.StatusOK, "phone", p)
}

// recoveryOptions lists the user's approved cases with a confirmed number
// other than the current one: a lost number is replaced through one of
// them (RecoverPhone checks the rest).
func (wb *Web) recoveryOptions(r *http.Request, u *identity.User, p *page) {
	if wb.Verifications == nil {
		return
	}
	cs, err := wb.Verifications.List(r.Context(), u.ID)
	if err != nil {
		return
	}
	for _, c := range cs {
		if c.Status == verification.StatusApproved && c.Applicant.PhoneConfirmed && c.Applicant.Phone != u.Phone {
			p.Life.Cases = append(p.Life.Cases, caseOption{ID: c.ID, Number: verification.CaseNumber(c.ID), Phone: c.Applicant.Phone})
		}
	}
}

func (wb *Web) recoverPhone(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "phone.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "phone", p, err)
		return
	}
	if _, err := wb.Accounts.RecoverPhone(r.Context(), u, r.PostForm.Get("case_id")); err != nil {
		wb.recoveryOptions(r, u, p)
		wb.fail(w, r, "phone", p, err)
		return
	}
	p.Life.Done = true
	wb.render(w, http.StatusOK, "phone", p)
}

func (wb *Web) changePhone(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "phone.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "phone", p, err)
		return
	}
	p.Form["phone"] = r.PostForm.Get("phone")
	if err := wb.Accounts.StartPhoneChange(r.Context(), u, identity.PhoneChangeInput{NewPhone: p.Form["phone"],
		Password: r.PostForm.Get("password"), ClientIP: httpx.ClientIP(r, wb.TrustProxy)}); err != nil {
		wb.fail(w, r, "phone", p, err)
		return
	}
	p.Life.Sent, p.Life.OldPhone = true, u.Phone != ""
	wb.render(w, http.StatusOK, "phone", p)
}

func (wb *Web) confirmPhone(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "phone.title")
	p.User = u
	p.Life.Sent, p.Life.OldPhone = true, u.Phone != ""
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "phone", p, err)
		return
	}
	if _, err := wb.Accounts.ConfirmPhoneChange(r.Context(), u, r.PostForm.Get("old_code"), r.PostForm.Get("new_code")); err != nil {
		wb.fail(w, r, "phone", p, err)
		return
	}
	p.Life.Done = true
	wb.render(w, http.StatusOK, "phone", p)
}

func (wb *Web) security(w http.ResponseWriter, r *http.Request) {
	s, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "security.title")
	p.User = u
	lang := i18n.Lang(p.Lang)
	sessions, err := wb.Accounts.Sessions(r.Context(), s)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	live := map[string]bool{}
	for _, x := range sessions {
		live[x.ID] = true
		p.Devices = append(p.Devices, deviceView{ID: x.ID, Name: deviceName(x.UserAgent, lang), Kind: messages["account.kind."+x.Kind].In(lang),
			LastSeen: whenOf(x.LastSeenAt, lang), Current: x.Current})
	}
	ns, err := wb.Accounts.Notices(r.Context(), u.ID)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	for _, n := range ns {
		text := n.EN
		if lang == i18n.ZH {
			text = n.ZH
		}
		p.Life.Notices = append(p.Life.Notices, noticeView{Kind: n.Kind, Text: text, SessionID: n.SessionID,
			SessionLive: n.SessionID != "" && live[n.SessionID] && n.SessionID != s.ID, At: whenOf(n.CreatedAt, lang)})
	}
	until, err := wb.Accounts.WalletSendsBlockedUntil(r.Context(), u.ID)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	if until.After(time.Now()) {
		wu := whenOf(until, lang)
		p.Life.BlockedUntil = &wu
	}
	wb.render(w, http.StatusOK, "security", p)
}

func (wb *Web) closeForm(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "close.title")
	p.User = u
	wb.render(w, http.StatusOK, "close", p)
}

func (wb *Web) closeAccount(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "close.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "close", p, err)
		return
	}
	if err := wb.Accounts.CloseAccount(r.Context(), u, r.PostForm.Get("password")); err != nil {
		wb.fail(w, r, "close", p, err)
		return
	}
	httpx.ClearSessionCookie(w, r, wb.SecureCookie)
	hp := wb.newPage(r, "home.title")
	hp.Notice = hp.T("close.done")
	wb.render(w, http.StatusOK, "home", hp)
}

func (wb *Web) exportPage(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.lifePage(r, "export.title")
	p.User = u
	if wb.ExportState != nil {
		st, err := wb.ExportState(r.Context(), u.ID)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			wb.fail(w, r, "export", p, err)
			return
		}
		p.Life.Export, p.Life.ExportID, p.Life.ExportExpires = st.Status, st.ID, whenOf(st.Expires, i18n.Lang(p.Lang))
	}
	wb.render(w, http.StatusOK, "export", p)
}

func (wb *Web) requestExport(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	if wb.RequestExport == nil {
		wb.fail(w, r, "export", wb.lifePage(r, "export.title"), errs.New(errs.Unavailable, "NOT_AVAILABLE", "This is not available.", "此功能暂不可用。"))
		return
	}
	if err := wb.RequestExport(r.Context(), u.ID); err != nil {
		p := wb.lifePage(r, "export.title")
		p.User = u
		wb.fail(w, r, "export", p, err)
		return
	}
	http.Redirect(w, r, "/account/export", http.StatusSeeOther)
}

// addNotices merges the account's notices (password reset, new login, …)
// into the inbox, newest first; they link to the security page.
func (wb *Web) addNotices(r *http.Request, userID string, p *page) {
	ns, err := wb.Accounts.Notices(r.Context(), userID)
	if err != nil || len(ns) == 0 {
		return
	}
	lang := i18n.Lang(p.Lang)
	for _, n := range ns {
		text := n.EN
		if lang == i18n.ZH {
			text = n.ZH
		}
		p.Messages = append(p.Messages, messageView{Text: text, At: whenOf(n.CreatedAt, lang), Read: true,
			CaseURL: "/account/security", LinkText: p.T("security.title")})
	}
	slices.SortStableFunc(p.Messages, func(a, b messageView) int { return strings.Compare(b.At.ISO, a.At.ISO) })
}
