package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// pageRoles is the pages' permission table: the roles that may open each
// page pattern (nil: anyone, logged in or not; the page itself decides
// what a visitor sees). Every route of routes() has an entry
// (TestEveryPageHasAPermission); a page without one refuses everyone.
var pageRoles = map[string][]identity.Role{
	"GET /{$}":                   nil,
	"GET /register":              nil,
	"POST /register":             nil,
	"GET /login":                 nil,
	"POST /login":                nil,
	"POST /login/totp":           nil, // the enrolment token in the form
	"POST /logout":               nil,
	"GET /account":               nil,
	"POST /sessions/{id}/revoke": nil,
	"GET /lang/{lang}":           nil,
	"GET /verify":                nil,
	"GET /verify/{id}":           nil,
	"POST /verify/qr.svg":        nil,
	"GET /handoff/{token}":       nil,
	"POST /handoff/{token}":      nil,
	"GET /support":               nil,
	"GET /inbox":                 nil,
	"GET /terms":                 nil,
	"GET /privacy":               nil,
	"/":                          nil,

	// Support, help, status, account life and the wallet: each page decides
	// what a visitor or a logged-in user sees (it asks to log in itself).
	"POST /support":                   nil,
	"GET /support/tickets/{id}":       nil,
	"POST /support/tickets/{id}":      nil,
	"GET /help":                       nil,
	"GET /help/{slug}":                nil,
	"GET /status":                     nil,
	"GET /announcements/{id}/dismiss": nil,
	"GET /forgot":                     nil,
	"POST /forgot":                    nil,
	"GET /reset":                      nil,
	"POST /reset":                     nil,
	"GET /account/security":           nil,
	"GET /account/totp":               nil,
	"POST /account/totp":              nil,
	"GET /account/password":           nil,
	"POST /account/password":          nil,
	"GET /account/phone":              nil,
	"POST /account/phone":             nil,
	"POST /account/phone/confirm":     nil,
	"POST /account/phone/recover":     nil,
	"GET /account/close":              nil,
	"POST /account/close":             nil,
	"GET /account/export":             nil,
	"POST /account/export":            nil,
	"GET /wallet":                     nil,
	"GET /wallet/payment-password":    nil,
	"POST /wallet/payment-password":   nil,
	"GET /wallet/send":                nil,
	"POST /wallet/send":               nil,
	"GET /wallet/withdraw":            nil,
	"POST /wallet/withdraw":           nil,
	"GET /wallet/receive":             nil,
	"POST /wallet/receive":            nil,
	"GET /wallet/receive/{code}":      nil,
	"GET /wallet/statement":           nil,
	"GET /pay/{code}":                 nil,
	"POST /pay/{code}":                nil,

	// The support console.
	"GET /agent/tickets":       {identity.RoleSupport, identity.RoleAdmin},
	"GET /agent/tickets/{id}":  {identity.RoleSupport, identity.RoleAdmin},
	"POST /agent/tickets/{id}": {identity.RoleSupport, identity.RoleAdmin},

	// The reviewer console.
	"GET /review":                      {identity.RoleReviewer, identity.RoleAdmin},
	"POST /review/claim":               {identity.RoleReviewer, identity.RoleAdmin},
	"GET /review/cases/{id}":           {identity.RoleReviewer, identity.RoleAdmin},
	"POST /review/cases/{id}/reveal":   {identity.RoleReviewer, identity.RoleAdmin},
	"POST /review/cases/{id}/decision": {identity.RoleReviewer, identity.RoleAdmin},
	"GET /review/cases/{id}/report":    {identity.RoleReviewer, identity.RoleAdmin},
}

// guard wraps a page in its pageRoles entry.
func (wb *Web) guard(pattern string, next http.Handler) http.Handler {
	roles, ok := pageRoles[pattern]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok && roles == nil {
			next.ServeHTTP(w, r)
			return
		}
		_, u := wb.user(r)
		if u == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		if !ok || !slices.Contains(roles, u.Role) {
			p := wb.newPage(r, "error.title")
			p.User = u
			p.Error = &pageError{Message: p.T("console.forbidden"), Code: "FORBIDDEN"}
			wb.render(w, http.StatusForbidden, "error", p)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// totpLogin finishes a staff member's first login: the enrolment form
// (QR code and secret) posts the first code here with the enrolment token.
func (wb *Web) totpLogin(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "totp.title")
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "login", p, err)
		return
	}
	tok := r.PostForm.Get("enrolment")
	sess, u, err := wb.Accounts.AuthenticateEnrolment(r.Context(), tok)
	if err != nil || sess.Kind != identity.SessionEnrolment {
		wb.fail(w, r, "login", wb.newPage(r, "login.title"), errs.New(errs.Unauthenticated, "ENROLMENT_EXPIRED",
			"The set-up took too long: log in again.", "设置超时，请重新登录。"))
		return
	}
	codes, err := wb.Accounts.ConfirmTOTP(r.Context(), u.ID, r.PostForm.Get("code"))
	if err != nil {
		p.Form["enrolment"], p.Form["secret"], p.Form["qr"] = tok, r.PostForm.Get("secret"), r.PostForm.Get("qr")
		wb.fail(w, r, "totp", p, err)
		return
	}
	wtok, ws, err := wb.Accounts.FinishEnrolment(r.Context(), sess, u, identity.SessionWeb, r.UserAgent())
	if err != nil {
		wb.fail(w, r, "login", p, err)
		return
	}
	if err := wb.staffLogin(r, u, ws); err != nil {
		wb.fail(w, r, "login", p, err)
		return
	}
	httpx.SetSessionCookie(w, r, wtok, ws.ExpiresAt, wb.SecureCookie)
	p.User = u
	p.Recovery = codes
	p.Form["home"] = homeFor(u.Role) // a support agent has no reviewer console
	wb.render(w, http.StatusOK, "totp", p)
}

// enrolPage shows the QR code and the secret of a new second factor.
func (wb *Web) enrolPage(w http.ResponseWriter, r *http.Request, tok string) {
	p := wb.newPage(r, "totp.title")
	_, u, err := wb.Accounts.AuthenticateEnrolment(r.Context(), tok)
	if err != nil {
		wb.fail(w, r, "login", wb.newPage(r, "login.title"), err)
		return
	}
	en, err := wb.Accounts.BeginTOTP(r.Context(), u)
	if err != nil {
		wb.fail(w, r, "login", wb.newPage(r, "login.title"), err)
		return
	}
	svg, err := qrSVG(en.URL)
	if err != nil {
		wb.fail(w, r, "login", p, errs.Internalf("qr: %w", err))
		return
	}
	p.Form["enrolment"], p.Form["secret"] = tok, en.Secret
	p.Form["qr"] = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
	wb.render(w, http.StatusOK, "totp", p)
}

// consoleUser is the reviewer of a console request (the guard let them in).
func (wb *Web) consoleUser(r *http.Request) *identity.User {
	_, u := wb.user(r)
	return u
}

func (wb *Web) queuePage(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "console.queue")
	p.User = wb.consoleUser(r)
	if wb.Review == nil {
		wb.fail(w, r, "console", p, errs.New(errs.Unavailable, "BACKOFFICE_UNAVAILABLE", "The back office is not available.", "审核后台不可用。"))
		return
	}
	q := r.URL.Query()
	pg, err := wb.Review.Queue(r.Context(), review.Filter{Kind: q.Get("kind"), Risk: q.Get("risk"), Level: q.Get("level"), After: q.Get("after")})
	if err != nil {
		wb.fail(w, r, "console", p, err)
		return
	}
	p.Form["kind"], p.Form["risk"] = q.Get("kind"), q.Get("risk")
	p.Queue = pg
	p.Flash = q.Get("flash")
	wb.render(w, http.StatusOK, "console", p)
}

func (wb *Web) claimItem(w http.ResponseWriter, r *http.Request) {
	u := wb.consoleUser(r)
	if err := parseForm(w, r); err != nil || wb.Review == nil {
		http.Redirect(w, r, "/review", http.StatusSeeOther)
		return
	}
	item := r.PostForm.Get("item")
	if _, err := wb.Review.ClaimItem(r.Context(), u.ID, item); err != nil {
		http.Redirect(w, r, "/review?flash="+url.QueryEscape(errs.As(err).Message.In(i18n.FromRequest(r))), http.StatusSeeOther)
		return
	}
	caseID := r.PostForm.Get("case")
	if caseID == "" {
		http.Redirect(w, r, "/review", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/review/cases/"+url.PathEscape(caseID), http.StatusSeeOther)
}

// revealed is one field shown in clear on this response only.
type revealed struct{ Field, Value string }

// caseData is what the case page shows.
type caseData struct {
	Case      verification.Case
	Detail    *verification.ReviewDetail
	Fields    []fieldRow
	Images    []imageRow
	Checks    []checkRow
	Proposal  *review.Proposal
	Risk      *review.Risk
	Revealed  *revealed
	Earlier   []*verification.Case
	Wallet    *review.WalletState
	IsFinal   bool
	Retryable []string
	// StatusTitle is the case's status in the page's language.
	StatusTitle string
	// Faces shows the selfie and the document's portrait side by side
	// (nil when the face checks did not run).
	Faces *faceRow
}

type fieldRow struct {
	Name, Label, Value string
	Revealed           bool // shown in clear on this response
}
type imageRow struct{ Kind, URL string }

// checkRow is one check, with the reading beside the typed value when the
// check has both, the characters that differ marked.
type checkRow struct {
	verification.CheckResult
	Read, Typed []diffRune
}

type diffRune struct {
	R    string
	Diff bool
}

// diffRunes marks the characters of a that differ from b at the same place.
func diffRunes(a, b string) []diffRune {
	ar, br := []rune(a), []rune(b)
	out := make([]diffRune, len(ar))
	for i, c := range ar {
		out[i] = diffRune{R: string(c), Diff: i >= len(br) || br[i] != c}
	}
	return out
}

func (wb *Web) casePage(w http.ResponseWriter, r *http.Request) {
	wb.renderCase(w, r, http.StatusOK, nil, nil)
}

func (wb *Web) renderCase(w http.ResponseWriter, r *http.Request, status int, rv *revealed, perr error) {
	p := wb.newPage(r, "console.case")
	p.User = wb.consoleUser(r)
	if wb.Review == nil || wb.Verifications == nil {
		wb.fail(w, r, "console", p, errs.New(errs.Unavailable, "BACKOFFICE_UNAVAILABLE", "The back office is not available.", "审核后台不可用。"))
		return
	}
	d, err := wb.Verifications.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		wb.fail(w, r, "console", p, err)
		return
	}
	cd := &caseData{Case: *d.Case, Detail: d, Revealed: rv, StatusTitle: d.Case.Status.Title().In(i18n.Lang(p.Lang))}
	m := review.MaskApplicant(d.Case.Applicant)
	for _, f := range []fieldRow{{Name: "full_name", Label: "field.full_name", Value: m.FullName},
		{Name: "id_number", Label: "field.id_number", Value: m.IDNumber}, {Name: "phone", Label: "field.phone", Value: m.Phone},
		{Name: "birth_date", Label: "console.birth_date", Value: m.BirthDate}, {Name: "address", Label: "field.address", Value: m.Address}} {
		if rv != nil && rv.Field == f.Name {
			f.Value, f.Revealed = rv.Value, true
		}
		cd.Fields = append(cd.Fields, f)
	}
	kinds := make([]string, 0, len(d.Case.Documents))
	for k := range d.Case.Documents {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		cd.Images = append(cd.Images, imageRow{k, "/api/v1/documents/" + d.Case.Documents[k] + "/image"})
	}
	for _, c := range d.Checks {
		row := checkRow{CheckResult: c}
		if read, typed := c.Detail["read"], c.Detail["typed"]; read != "" && typed != "" {
			row.Read, row.Typed = diffRunes(read, typed), diffRunes(typed, read)
		}
		cd.Checks = append(cd.Checks, row)
	}
	cd.Faces = facesOf(*d.Case, d.Checks)
	if pr, err := wb.Review.Store.Proposal(r.Context(), d.Case.ID); err == nil {
		cd.Proposal = pr
	}
	if rk, err := wb.Review.RiskOf(r.Context(), d.Case.UserID); err == nil {
		cd.Risk = rk
	}
	if cs, err := wb.Verifications.List(r.Context(), d.Case.UserID); err == nil {
		for _, c := range cs {
			if c.ID != d.Case.ID {
				cd.Earlier = append(cd.Earlier, c)
			}
		}
	}
	if wb.Review.Wallets != nil {
		if ws, err := wb.Review.Wallets.WalletState(r.Context(), d.Case.UserID); err == nil {
			cd.Wallet = &ws
		}
	}
	cd.Retryable = []string{"DOCUMENT_UNREADABLE@id_front", "DOCUMENT_UNREADABLE@id_back", "DOCUMENT_EXPIRED", "NAME_MISMATCH"}
	p.Case = cd
	p.Flash = r.URL.Query().Get("flash")
	if perr != nil {
		e := errs.As(perr)
		p.Error = &pageError{Message: e.Message.In(i18n.Lang(p.Lang)), Field: e.Field, Code: e.Code}
		status = httpx.Status(e.Kind)
	}
	wb.render(w, status, "case", p)
}

func (wb *Web) revealField(w http.ResponseWriter, r *http.Request) {
	u := wb.consoleUser(r)
	if err := parseForm(w, r); err != nil {
		wb.renderCase(w, r, http.StatusBadRequest, nil, err)
		return
	}
	field := r.PostForm.Get("field")
	v, err := wb.Review.Reveal(r.Context(), u.ID, r.PathValue("id"), field, r.PostForm.Get("purpose"))
	if err != nil {
		wb.renderCase(w, r, http.StatusBadRequest, nil, err)
		return
	}
	wb.renderCase(w, r, http.StatusOK, &revealed{Field: field, Value: v}, nil)
}

func (wb *Web) decideCase(w http.ResponseWriter, r *http.Request) {
	u := wb.consoleUser(r)
	if err := parseForm(w, r); err != nil {
		wb.renderCase(w, r, http.StatusBadRequest, nil, err)
		return
	}
	var reasons []string
	for _, c := range r.PostForm["reason"] {
		if c = strings.TrimSpace(c); c != "" {
			reasons = append(reasons, c)
		}
	}
	id := r.PathValue("id")
	o, err := wb.Review.Decide(r.Context(), review.DecisionInput{ReviewerID: u.ID, CaseID: id, Status: verification.Status(r.PostForm.Get("status")),
		Reasons: reasons, Note: r.PostForm.Get("note"), Comment: r.PostForm.Get("comment")})
	if err != nil {
		wb.renderCase(w, r, http.StatusBadRequest, nil, err)
		return
	}
	lang := i18n.FromRequest(r)
	flash := messages["console.decided"].In(lang)
	if o.Waiting {
		flash = messages["console.waiting"].In(lang)
	}
	http.Redirect(w, r, "/review/cases/"+url.PathEscape(id)+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}

// sarReport is the draft of a suspicious-activity report (可疑交易报告)
// from a case, as a printable page or (?format=json) JSON.
func (wb *Web) sarReport(w http.ResponseWriter, r *http.Request) {
	u := wb.consoleUser(r)
	p := wb.newPage(r, "console.sar")
	p.User = u
	if wb.Review == nil {
		wb.fail(w, r, "console", p, errs.New(errs.Unavailable, "BACKOFFICE_UNAVAILABLE", "The back office is not available.", "审核后台不可用。"))
		return
	}
	rep, err := wb.Review.SARDraft(r.Context(), u.ID, r.PathValue("id"), r.URL.Query().Get("narrative"))
	if err != nil {
		wb.fail(w, r, "console", p, err)
		return
	}
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", `attachment; filename="sar-`+rep.CaseID+`.json"`)
		_ = jsonEncode(w, rep)
		return
	}
	p.Report = rep
	wb.render(w, http.StatusOK, "sar", p)
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
