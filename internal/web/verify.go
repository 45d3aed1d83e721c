package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"rsc.io/qr"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/idrules"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// The verification wizard. The pages are shells: static/wizard.js drives
// the JSON API (/api/v1/verifications, /api/v1/uploads/, /api/v1/documents,
// /api/v1/handoff) from the browser with the session cookie. The server
// side only renders the texts in the user's language, the hand-off QR code
// and the hand-off landing.

// wizardConfig is what wizard.js needs, rendered into a data attribute.
type wizardConfig struct {
	CaseID    string                       `json:"case_id,omitempty"`
	Lang      string                       `json:"lang"`
	Texts     map[string]string            `json:"texts"`
	Rules     map[string]ruleText          `json:"rules"`
	IDTypes   []option                     `json:"id_types"`
	Documents map[string]documentKind      `json:"documents"`
	Steps     map[string]string            `json:"steps"`
	Fields    map[string]string            `json:"fields"`
	Status    map[string]map[string]string `json:"status"`
	MaxName   int                          `json:"max_name"`
	Countries []country                    `json:"countries,omitempty"` // the nationality list (wizard only)
}

// country is one entry of the nationality list: the name in the page's
// language as the value, the codes and the other language's name to search by.
type country struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Other string `json:"other"`
}

type ruleText struct {
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

type option struct {
	Value string `json:"value"`
	Title string `json:"title"`
}

type documentKind struct {
	Title string `json:"title"`
	Gate  string `json:"gate"` // the kind to upload it as (POST /api/v1/documents)
}

// browserRules are the idrules reasons the form checks while typing, with
// the server's messages.
var browserRules = []string{idrules.CodeIDLength, idrules.CodeIDCharacter, idrules.CodeIDCheckCharacter,
	idrules.CodeNameCharacter, idrules.CodeNameMixedScript, idrules.CodeNameTooLong,
	idrules.CodePhoneNotNumber, idrules.CodePhoneTooShort, idrules.CodePhoneTooLong}

func (wb *Web) wizardConfig(lang i18n.Lang, caseID string) string {
	cfg := wizardConfig{CaseID: caseID, Lang: string(lang), Texts: map[string]string{}, Rules: map[string]ruleText{},
		Documents: map[string]documentKind{}, Steps: map[string]string{}, Fields: map[string]string{},
		Status: map[string]map[string]string{}, MaxName: idrules.MaxNameLength}
	for k, m := range messages {
		if strings.HasPrefix(k, "js.") {
			cfg.Texts[strings.TrimPrefix(k, "js.")] = m.In(lang)
		}
		if strings.HasPrefix(k, "field.") {
			cfg.Fields[strings.TrimPrefix(k, "field.")] = m.In(lang)
		}
		if strings.HasPrefix(k, "step.") {
			cfg.Steps[strings.TrimPrefix(k, "step.")] = m.In(lang)
		}
	}
	want := map[string]bool{}
	for _, c := range browserRules {
		want[c] = true
	}
	for _, r := range idrules.Reasons() {
		if want[r.Code] {
			cfg.Rules[r.Code] = ruleText{Message: r.Message.In(lang), Hint: r.Hint.In(lang)}
		}
	}
	for _, t := range verification.IDTypes {
		cfg.IDTypes = append(cfg.IDTypes, option{Value: t, Title: verification.IDTypeTitle(t).In(lang)})
	}
	for _, k := range verification.DocumentKinds {
		cfg.Documents[k] = documentKind{Title: verification.DocumentTitle(k).In(lang), Gate: string(verification.GateKind(k))}
	}
	for _, s := range []verification.Status{verification.StatusDraft, verification.StatusSubmitted, verification.StatusProcessing,
		verification.StatusApproved, verification.StatusRetryRequired, verification.StatusRejected,
		verification.StatusManualReview, verification.StatusOnHold} {
		cfg.Status[string(s)] = map[string]string{"title": s.Title().In(lang), "text": messages["status."+string(s)].In(lang)}
	}
	if caseID != "" {
		for _, c := range idrules.Countries() {
			name, other := c.EN, c.ZH
			if lang == i18n.ZH {
				name, other = c.ZH, c.EN
			}
			cfg.Countries = append(cfg.Countries, country{Code: c.Alpha3, Name: name, Other: other + " · " + c.Alpha3 + " · " + c.Alpha2})
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil { // cannot happen: plain strings
		return "{}"
	}
	return string(b)
}

// verifyList is GET /verify: the user's cases (read by wizard.js) and a
// button that starts one.
func (wb *Web) verifyList(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "verify.title")
	p.User = u
	p.Config = wb.wizardConfig(i18n.Lang(p.Lang), "")
	wb.render(w, http.StatusOK, "verify", p)
}

// wizard is GET /verify/{id}. Whether the case is the user's is checked by
// the API calls the page makes (a stranger's case id gives "not found").
func (wb *Web) wizard(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	id := r.PathValue("id")
	if u == nil {
		to := "/login"
		if validCaseID(id) { // back to the case after logging in
			to += "?next=" + url.QueryEscape("/verify/"+id)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if !validCaseID(id) {
		wb.notFound(w, r)
		return
	}
	p := wb.newPage(r, "wizard.title")
	p.User = u
	p.CaseID = id
	p.Config = wb.wizardConfig(i18n.Lang(p.Lang), id)
	wb.render(w, http.StatusOK, "wizard", p)
}

// safeNext returns p when it is a page of this site that may follow a
// login (/verify, /verify/<case id>, /account), else "": never another
// site, whatever the address says.
func safeNext(p string) string {
	switch {
	case p == "/verify" || p == "/account":
		return p
	case strings.HasPrefix(p, "/verify/") && validCaseID(strings.TrimPrefix(p, "/verify/")):
		return p
	case walletNext(p): // a scanned receive code, a wallet page
		return p
	case p == "/support" || p == "/agent/tickets":
		return p
	case strings.HasPrefix(p, "/support/tickets/") && validCaseID(strings.TrimPrefix(p, "/support/tickets/")),
		strings.HasPrefix(p, "/agent/tickets/") && validCaseID(strings.TrimPrefix(p, "/agent/tickets/")):
		return p // a ticket linked from a reply's e-mail
	}
	return ""
}

// validCaseID accepts the shape of case ids (ver_ and base-32/64 letters),
// so that nothing odd is echoed into the page.
func validCaseID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// handoff is GET /handoff/{token}: the link behind the QR code. It logs this
// device in as the user who made the link and opens the same case.
// handoffConfirm shows which account a hand-off link logs in and asks
// before doing it: a GET never logs anyone in (a link sent by someone else
// must not silently put this browser into their account).
func (wb *Web) handoffConfirm(w http.ResponseWriter, r *http.Request) {
	target, err := wb.Accounts.PeekHandoff(r.Context(), r.PathValue("token"))
	if err != nil {
		wb.fail(w, r, "error", wb.newPage(r, "error.title"), err)
		return
	}
	p := wb.newPage(r, "handoff.title")
	p.Form["token"] = r.PathValue("token")
	p.Form["target"] = identity.MaskedLogin(target)
	if _, cur := wb.user(r); cur != nil && cur.ID != target.ID {
		p.Form["current"] = identity.MaskedLogin(cur)
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	wb.render(w, http.StatusOK, "handoff", p)
}

func (wb *Web) handoff(w http.ResponseWriter, r *http.Request) {
	tok, sess, caseID, err := wb.Accounts.RedeemHandoff(r.Context(), r.PathValue("token"), r.UserAgent(), httpx.ClientIP(r, wb.TrustProxy))
	if err != nil {
		wb.fail(w, r, "error", wb.newPage(r, "error.title"), err)
		return
	}
	httpx.SetSessionCookie(w, r, tok, sess.ExpiresAt, wb.SecureCookie)
	if !validCaseID(caseID) {
		http.Redirect(w, r, "/verify", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/verify/"+caseID, http.StatusSeeOther)
}

type qrRequest struct {
	URL string `json:"url"`
}

// errQR is the one error of the QR endpoint.
func errQR() *errs.Error {
	return errs.New(errs.Invalid, "HANDOFF_URL_INVALID", "Only a hand-off link of this site can be shown as a QR code.",
		"只能为本站的跨设备链接生成二维码。").OnField("url")
}

// handoffQR is POST /verify/qr.svg {"url"}: the QR code of a hand-off link
// (made by POST /api/v1/handoff) as an SVG image. The link is sent in the
// body, not the address, so that it never lands in an access log.
func (wb *Web) handoffQR(w http.ResponseWriter, r *http.Request) {
	if _, u := wb.user(r); u == nil {
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	var in qrRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !handoffURL(in.URL, r.Host) {
		e := errQR()
		http.Error(w, e.Message.In(i18n.FromRequest(r)), http.StatusBadRequest)
		return
	}
	svg, err := qrSVG(in.URL)
	if err != nil {
		http.Error(w, errQR().Message.In(i18n.FromRequest(r)), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(svg)
}

// handoffURL reports whether u is an absolute http(s) link to /handoff/ on
// host.
func handoffURL(u, host string) bool {
	p, err := url.Parse(u)
	if err != nil || len(u) > 512 {
		return false
	}
	return (p.Scheme == "http" || p.Scheme == "https") && p.Host == host && p.User == nil &&
		strings.HasPrefix(p.Path, "/handoff/") && !strings.Contains(p.Path[len("/handoff/"):], "/") &&
		p.RawQuery == "" && p.Fragment == ""
}

// qrSVG draws text as a QR code (error correction M), one rectangle per
// dark run of a row, with the four-module quiet zone.
func qrSVG(text string) ([]byte, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, err
	}
	n := c.Size + 8
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < c.Size && c.Black(x, y) {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+4, y+4, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
