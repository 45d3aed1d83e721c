package web

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
)

type route struct {
	pattern string
	handler http.Handler
}

// routes lists every page.
func (wb *Web) routes() []route {
	return []route{
		{"GET /{$}", http.HandlerFunc(wb.home)},
		{"GET /register", http.HandlerFunc(wb.registerForm)},
		{"POST /register", http.HandlerFunc(wb.register)},
		{"GET /login", http.HandlerFunc(wb.loginForm)},
		{"POST /login", http.HandlerFunc(wb.login)},
		{"POST /logout", http.HandlerFunc(wb.logout)},
		{"GET /account", http.HandlerFunc(wb.account)},
		{"POST /sessions/{id}/revoke", http.HandlerFunc(wb.revoke)},
		{"GET /lang/{lang}", http.HandlerFunc(wb.setLang)},
		{"GET /verify", http.HandlerFunc(wb.verifyList)},
		{"GET /verify/{id}", http.HandlerFunc(wb.wizard)},
		{"POST /verify/qr.svg", http.HandlerFunc(wb.handoffQR)},
		{"GET /handoff/{token}", http.HandlerFunc(wb.handoffConfirm)},
		{"POST /handoff/{token}", http.HandlerFunc(wb.handoff)},
		{"GET /support", http.HandlerFunc(wb.support)},
		{"POST /support", http.HandlerFunc(wb.openTicket)},
		{"GET /support/tickets/{id}", http.HandlerFunc(wb.ticketPage)},
		{"POST /support/tickets/{id}", http.HandlerFunc(wb.replyTicket)},
		{"GET /agent/tickets", http.HandlerFunc(wb.agentQueue)},
		{"GET /agent/tickets/{id}", http.HandlerFunc(wb.agentTicket)},
		{"POST /agent/tickets/{id}", http.HandlerFunc(wb.agentReply)},
		{"GET /help", http.HandlerFunc(wb.help)},
		{"GET /help/{slug}", http.HandlerFunc(wb.helpArticle)},
		{"GET /status", http.HandlerFunc(wb.statusPage)},
		{"GET /announcements/{id}/dismiss", http.HandlerFunc(wb.dismiss)},
		{"GET /inbox", http.HandlerFunc(wb.inbox)},
		{"GET /forgot", http.HandlerFunc(wb.forgotForm)},
		{"POST /forgot", http.HandlerFunc(wb.forgot)},
		{"GET /reset", http.HandlerFunc(wb.resetForm)},
		{"POST /reset", http.HandlerFunc(wb.reset)},
		{"GET /account/security", http.HandlerFunc(wb.security)},
		{"GET /account/totp", http.HandlerFunc(wb.myTOTPForm)},
		{"POST /account/totp", http.HandlerFunc(wb.myTOTP)},
		{"GET /account/password", http.HandlerFunc(wb.passwordForm)},
		{"POST /account/password", http.HandlerFunc(wb.changePassword)},
		{"GET /account/phone", http.HandlerFunc(wb.phoneForm)},
		{"POST /account/phone", http.HandlerFunc(wb.changePhone)},
		{"POST /account/phone/confirm", http.HandlerFunc(wb.confirmPhone)},
		{"POST /account/phone/recover", http.HandlerFunc(wb.recoverPhone)},
		{"GET /account/close", http.HandlerFunc(wb.closeForm)},
		{"POST /account/close", http.HandlerFunc(wb.closeAccount)},
		{"GET /account/export", http.HandlerFunc(wb.exportPage)},
		{"POST /account/export", http.HandlerFunc(wb.requestExport)},
		{"GET /wallet", http.HandlerFunc(wb.walletHome)},
		{"GET /wallet/payment-password", http.HandlerFunc(wb.walletPINForm)},
		{"POST /wallet/payment-password", http.HandlerFunc(wb.walletPIN)},
		{"GET /wallet/send", http.HandlerFunc(wb.walletSendForm)},
		{"POST /wallet/send", http.HandlerFunc(wb.walletSend)},
		{"GET /wallet/withdraw", http.HandlerFunc(wb.walletWithdrawForm)},
		{"POST /wallet/withdraw", http.HandlerFunc(wb.walletWithdraw)},
		{"GET /wallet/receive", http.HandlerFunc(wb.walletReceiveForm)},
		{"POST /wallet/receive", http.HandlerFunc(wb.walletReceive)},
		{"GET /wallet/receive/{code}", http.HandlerFunc(wb.walletReceiveCode)},
		{"GET /wallet/statement", http.HandlerFunc(wb.walletStatement)},
		{"GET /pay/{code}", http.HandlerFunc(wb.payForm)},
		{"POST /pay/{code}", http.HandlerFunc(wb.pay)},
		{"GET /terms", http.HandlerFunc(wb.terms)},
		{"GET /privacy", http.HandlerFunc(wb.privacy)},
		// The staff second factor's enrolment, and the reviewer console.
		{"POST /login/totp", http.HandlerFunc(wb.totpLogin)},
		{"GET /review", http.HandlerFunc(wb.queuePage)},
		{"POST /review/claim", http.HandlerFunc(wb.claimItem)},
		{"GET /review/cases/{id}", http.HandlerFunc(wb.casePage)},
		{"POST /review/cases/{id}/reveal", http.HandlerFunc(wb.revealField)},
		{"POST /review/cases/{id}/decision", http.HandlerFunc(wb.decideCase)},
		{"GET /review/cases/{id}/report", http.HandlerFunc(wb.sarReport)},
		{"/", http.HandlerFunc(wb.notFound)},
	}
}

func (wb *Web) home(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "home.title")
	_, p.User = wb.user(r)
	wb.render(w, http.StatusOK, "home", p)
}

func (wb *Web) notFound(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "error.title")
	_, p.User = wb.user(r) // the header stays logged in
	p.Error = &pageError{Message: p.T("error.notfound"), Code: "NOT_FOUND"}
	wb.render(w, http.StatusNotFound, "error", p)
}

func (wb *Web) registerForm(w http.ResponseWriter, r *http.Request) {
	wb.render(w, http.StatusOK, "register", wb.newPage(r, "register.title"))
}

func (wb *Web) register(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "register.title")
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "register", p, err)
		return
	}
	p.Form["account"] = r.PostForm.Get("account")
	p.Accepted = r.PostForm.Get("accept_terms_version") != ""
	email, phone := splitAccount(r.PostForm.Get("account"))
	pw := r.PostForm.Get("password")
	in := identity.RegisterInput{Email: email, Phone: phone, Password: pw, AcceptTermsVersion: r.PostForm.Get("accept_terms_version"),
		ClientIP: httpx.ClientIP(r, wb.TrustProxy)}
	if _, err := wb.Accounts.Register(r.Context(), in); err != nil {
		// Every field error at once, each beside its field; the password
		// is never sent back (the page says so).
		lang := i18n.Lang(p.Lang)
		for _, fe := range append(wb.Accounts.RegisterFieldErrors(in), errs.As(err)) {
			f := fe.Field
			if f == "email" || f == "phone" {
				f = "account"
			}
			if f == "" || p.Errors[f] != "" {
				continue
			}
			p.Errors[f] = fe.Message.In(lang)
		}
		if e := errs.As(err); e.Field == "" {
			wb.fail(w, r, "register", p, err)
			return
		}
		wb.render(w, httpx.Status(errs.As(err).Kind), "register", p)
		return
	}
	wb.startSession(w, r, email, phone, pw, "register", p)
}

func (wb *Web) loginForm(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "login.title")
	p.Form["next"] = safeNext(r.URL.Query().Get("next"))
	wb.render(w, http.StatusOK, "login", p)
}

func (wb *Web) login(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "login.title")
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "login", p, err)
		return
	}
	p.Form["account"] = r.PostForm.Get("account")
	p.Form["next"] = safeNext(r.PostForm.Get("next"))
	email, phone := splitAccount(r.PostForm.Get("account"))
	wb.startSession(w, r, email, phone, r.PostForm.Get("password"), "login", p)
}

func (wb *Web) startSession(w http.ResponseWriter, r *http.Request, email, phone, pw, page string, p *page) {
	tok, sess, u, err := wb.Accounts.Login(r.Context(), identity.LoginInput{Email: email, Phone: phone, Password: pw,
		Kind: identity.SessionWeb, UserAgent: r.UserAgent(), ClientIP: httpx.ClientIP(r, wb.TrustProxy), TOTPCode: r.PostForm.Get("totp_code")})
	if errs.As(err).Code == "TOTP_ENROLMENT_REQUIRED" && tok != "" {
		wb.enrolPage(w, r, tok) // staff: set up the second factor first
		return
	}
	if errs.As(err).Code == "TOTP_REQUIRED" || errs.As(err).Code == "TOTP_INVALID" {
		p.Form["totp"] = "1"
	}
	if err != nil {
		wb.fail(w, r, page, p, err)
		return
	}
	if err := wb.staffLogin(r, u, sess); err != nil {
		wb.fail(w, r, page, p, err)
		return
	}
	httpx.SetSessionCookie(w, r, tok, sess.ExpiresAt, wb.SecureCookie)
	to := homeFor(u.Role)
	if next := p.Form["next"]; next != "" { // a page that sent the visitor to log in
		to = next
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// homeFor is where a role starts after logging in: the reviewer console,
// the support console, or the account page.
func homeFor(role identity.Role) string {
	switch role {
	case identity.RoleReviewer, identity.RoleAdmin:
		return "/review"
	case identity.RoleSupport:
		return "/agent/tickets"
	}
	return "/account"
}

func (wb *Web) logout(w http.ResponseWriter, r *http.Request) {
	if s, _ := wb.user(r); s != nil {
		_ = wb.Accounts.Logout(r.Context(), s)
	}
	httpx.ClearSessionCookie(w, r, wb.SecureCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (wb *Web) revoke(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err := wb.Accounts.RevokeSession(r.Context(), u.ID, r.PathValue("id")); err != nil {
		wb.fail(w, r, "error", wb.newPage(r, "error.title"), err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (wb *Web) setLang(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Parse(r.PathValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}
