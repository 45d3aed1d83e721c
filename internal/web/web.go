// Package web serves veriwallet's server-rendered pages (zh-CN and en, with a
// language switch, usable on a phone). Templates and static files are
// embedded in the binary; nothing is loaded from a CDN. routes.go lists the
// pages. Handlers call the same services as the JSON API.
package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/verification"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Web serves the HTML pages.
type Web struct {
	Accounts     *identity.Service
	Log          *slog.Logger
	TrustProxy   bool
	SecureCookie bool
	// Verifications gives the account page the verification level and the
	// latest case (nil: not shown). Inbox lists the in-app messages (nil:
	// the inbox is empty).
	Verifications *verification.Service
	Inbox         func(ctx context.Context, userID string) ([]Message, error)
	// ExportState and RequestExport serve the export page (nil: not available).
	ExportState   func(ctx context.Context, userID string) (ExportState, error)
	RequestExport func(ctx context.Context, userID string) error
	// Review is the back office behind the reviewer console (nil: the
	// console answers that it is unavailable).
	Review *review.Service
	// Audit records staff logins through the pages (nil: not recorded).
	Audit audit.Store
	// Wallet serves the wallet pages (nil: none).
	Wallet *WalletPages
	// Support, Notices, Documents (screenshots) and StatusProbes serve the
	// support, help, status and console pages; AuditRead records an agent's
	// read of a ticket (nil: not recorded). MaxUpload bounds a screenshot.
	Support      *support.Service
	Notices      *notice.Service
	Documents    *document.Service
	StatusProbes []notice.Probe
	AuditRead    func(r *http.Request, action, subject string) error
	MaxUpload    int64

	pages  map[string]*template.Template
	static staticFiles
}

// Message is an in-app message as the inbox shows it.
type Message struct {
	CaseID   string
	TicketID string // a support reply's ticket

	Status    string
	CreatedAt time.Time
	Read      bool
}

func (wb *Web) load() {
	wb.static = loadStatic()
	layout := template.Must(template.New("layout").Funcs(template.FuncMap{"static": wb.static.url, "levelLink": levelLink, "cleanVerify": cleanVerify, "reasonSlug": reasonSlug,
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
		"list": func(v ...string) []string { return v },
		// The console's filters, and the enrolment QR code (a data: URL this server made).
		"kinds": func() []string {
			return []string{review.KindManualReview, review.KindSecondReviewer, review.KindPeriodicReview, review.KindScreeningHit, review.KindWalletAlert}
		},
		"risks":   func() []string { return []string{review.RiskLow, review.RiskMedium, review.RiskHigh} },
		"safeURL": func(s string) template.URL { return template.URL(s) }}).ParseFS(templateFS, "templates/layout.html"))
	wb.pages = map[string]*template.Template{}
	for _, p := range []string{"home", "register", "login", "account", "error", "verify", "wizard", "support", "handoff",
		"policy", "inbox", "forgot", "reset", "password", "phone", "security", "close", "export",
		"totp", "mytotp", "console", "case", "sar", "wallet", "walletpin", "walletsend", "walletdone", "walletwithdraw", "walletreceive", "walletcode",
		"walletpay", "walletstatement", "help", "article", "status", "ticket", "agent", "agentticket"} {
		wb.pages[p] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+p+".html"))
	}
}

// Handler returns the pages' handler (mount at /).
func (wb *Web) Handler() http.Handler {
	wb.load()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{path...}", func(w http.ResponseWriter, r *http.Request) { wb.static.serve(w, r, r.PathValue("path")) })
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { wb.static.serve(w, r, "favicon.ico") })
	for _, rt := range wb.routes() {
		mux.Handle(rt.pattern, wb.guard(rt.pattern, rt.handler))
	}
	return mux
}

// page is the data every template gets.
type page struct {
	Lang, OtherLang, Path string
	Title                 string
	T                     func(string) string
	User                  *identity.User
	Error                 *pageError
	Form                  map[string]string
	TermsVersion          string
	Sessions              []identity.Session
	Consents              []identity.Consent
	CaseID                string // the verification case of the wizard and support pages
	Config                string // JSON for static/wizard.js (texts in the page's language)

	// The account, inbox and policy pages.
	PrivacyVersion string
	Account        *accountView
	Devices        []deviceView
	ConsentList    []consentView
	Messages       []messageView
	Policy         *policyView
	Errors         map[string]string // register: every field error at once
	Accepted       bool              // register: the terms box was ticked

	// The account's own pages (lifecycle.go).
	Life   *lifeView
	Notice string // a confirmation shown at the top (password reset, account closed)
	// The reviewer console and the staff second factor.
	Recovery []string     // recovery codes, shown once after enrolment
	Queue    *review.Page // the queue page
	Case     *caseData    // the case page
	Report   *review.SAR  // the suspicious-activity report draft
	Flash    string       // a one-line notice after an action
	Wallet   *walletView  // the wallet pages

	// The support, help, status and console pages (support.go); Banners
	// are the announcements in force, on every page.
	Support *supportView
	Banners []bannerView
}

type pageError struct{ Message, Field, Code string }

func (wb *Web) newPage(r *http.Request, title string) *page {
	lang := i18n.FromRequest(r)
	other := i18n.ZH
	if lang == i18n.ZH {
		other = i18n.EN
	}
	return &page{Lang: string(lang), OtherLang: string(other), Path: r.URL.Path, Title: title,
		T: func(k string) string {
			if m, ok := messages[k]; ok {
				return m.In(lang)
			}
			return k
		}, Form: map[string]string{}, TermsVersion: wb.Accounts.Config().TermsVersion,
		PrivacyVersion: wb.Accounts.Config().PrivacyVersion, Errors: map[string]string{}, Banners: wb.banners(r, lang)}
}

func (wb *Web) render(w http.ResponseWriter, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := wb.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		wb.Log.Error("template", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders the page again with err's message in the user's language.
func (wb *Web) fail(w http.ResponseWriter, r *http.Request, name string, p *page, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		wb.Log.Error("page failed", "request_id", httpx.RequestID(r.Context()), "err", e.Err)
	}
	p.Error = &pageError{Message: e.Message.In(i18n.Lang(p.Lang)), Field: e.Field, Code: e.Code}
	wb.render(w, httpx.Status(e.Kind), name, p)
}

// user returns the logged-in browser user, if any.
func (wb *Web) user(r *http.Request) (*identity.Session, *identity.User) {
	c, err := r.Cookie(httpx.SessionCookie)
	if err != nil {
		return nil, nil
	}
	s, u, err := wb.Accounts.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, nil
	}
	return s, u
}

// splitAccount reads the single "email or mobile number" field.
func splitAccount(v string) (email, phone string) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "@") {
		return v, ""
	}
	return "", v
}

// localPath keeps redirects on this site: it returns a path that starts
// with one slash and holds no backslash, checked after decoding (so
// "/%2F%2Fevil" cannot become "//evil"), or "/".
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.IsAbs() || u.Host != "" || u.User != nil {
		return "/"
	}
	path := u.Path
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "\\\x00\r\n") {
		return "/"
	}
	return path
}

// staffLogin records a staff member's login in the audit trail (fails
// closed: no session cookie without the record).
func (wb *Web) staffLogin(r *http.Request, u *identity.User, sess *identity.Session) error {
	if wb.Audit == nil || !u.Role.Staff() {
		return nil
	}
	return wb.Audit.Append(r.Context(), &audit.Event{At: time.Now(), Actor: "user:" + u.ID + " (" + string(u.Role) + ")",
		Action: "staff.login", Subject: u.ID, Detail: "session " + sess.ID + " (web)", RequestID: httpx.RequestID(r.Context())})
}
