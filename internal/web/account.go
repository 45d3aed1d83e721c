package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// The account page, the inbox and the policy pages.

// china is the time zone dates are shown in before the page's script
// (static/localtime.js) puts them in the browser's own, labelled.
var china = time.FixedZone("CST", 8*3600)

// when is a date as the page shows it.
type when struct {
	ISO  string // RFC 3339, for <time datetime> and the script
	Text string // in China time, labelled, in the page's language
}

func whenOf(t time.Time, lang i18n.Lang) when {
	c := t.In(china)
	var s string
	if lang == i18n.ZH {
		s = fmt.Sprintf("%d年%d月%d日 %02d:%02d（北京时间）", c.Year(), int(c.Month()), c.Day(), c.Hour(), c.Minute())
	} else {
		s = fmt.Sprintf("%d %s %d, %02d:%02d (China time)", c.Day(), c.Month().String()[:3], c.Year(), c.Hour(), c.Minute())
	}
	return when{ISO: t.UTC().Format(time.RFC3339), Text: s}
}

type accountView struct {
	Login, Role  string
	Since        when
	Level        string // the highest approved level's title, "" when none
	Status       string // the latest case's status title, "" when none
	StatusCode   string
	Next         string // what to do next
	NextURL      string
	NextLabel    string
	Verification bool // verification is available on this server
}

type deviceView struct {
	ID, Name, Kind string
	LastSeen       when
	Current        bool
}

type consentView struct {
	Title, Version string
	At             when
}

type messageView struct {
	Text, Status, CaseURL string
	LinkText              string // "": the verification's link text
	At                    when
	Read                  bool
}

var roleTitles = map[identity.Role]i18n.Text{
	identity.RoleCustomer: i18n.T("Customer", "客户"),
	identity.RoleReviewer: i18n.T("Reviewer", "审核员"),
	identity.RoleSupport:  i18n.T("Support", "客服"),
	identity.RoleAdmin:    i18n.T("Administrator", "管理员"),
}

func (wb *Web) account(w http.ResponseWriter, r *http.Request) {
	s, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "account.title")
	p.User = u
	lang := i18n.Lang(p.Lang)
	sessions, err := wb.Accounts.Sessions(r.Context(), s)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	consents, err := wb.Accounts.Consents(r.Context(), u.ID)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	av := &accountView{Login: u.Email, Since: whenOf(u.CreatedAt, lang)}
	if av.Login == "" {
		av.Login = u.Phone
	}
	av.Role = string(u.Role)
	if t, ok := roleTitles[u.Role]; ok {
		av.Role = t.In(lang)
	}
	if wb.Verifications != nil {
		if err := wb.verificationState(r, u.ID, lang, av); err != nil {
			wb.fail(w, r, "error", p, err)
			return
		}
	}
	p.Account = av
	for _, x := range sessions {
		kind := messages["account.kind."+x.Kind].In(lang)
		p.Devices = append(p.Devices, deviceView{ID: x.ID, Name: deviceName(x.UserAgent, lang), Kind: kind,
			LastSeen: whenOf(x.LastSeenAt, lang), Current: x.Current})
	}
	for _, c := range consents {
		title := c.Document
		if m, ok := messages["consent."+c.Document]; ok {
			title = m.In(lang)
		}
		p.ConsentList = append(p.ConsentList, consentView{Title: title, Version: c.Version, At: whenOf(c.AcceptedAt, lang)})
	}
	wb.render(w, http.StatusOK, "account", p)
}

// verificationState fills in the level, the latest case and the next step.
func (wb *Web) verificationState(r *http.Request, userID string, lang i18n.Lang, av *accountView) error {
	av.Verification = true
	level, err := wb.Verifications.CurrentLevel(r.Context(), userID)
	if err != nil {
		return err
	}
	for _, l := range wb.Verifications.Levels.Levels {
		if l.Name == level && level != "" {
			av.Level = l.Title.In(lang)
		}
	}
	cases, err := wb.Verifications.List(r.Context(), userID)
	if err != nil {
		return err
	}
	t := func(k string) string { return messages[k].In(lang) }
	if len(cases) == 0 {
		av.Next, av.NextURL, av.NextLabel = t("account.next.start"), "/verify", t("verify.start")
		return nil
	}
	c := cases[0] // newest first
	av.Status, av.StatusCode = c.Status.Title().In(lang), string(c.Status)
	url := "/verify/" + c.ID
	switch c.Status {
	case verification.StatusDraft:
		av.Next, av.NextURL, av.NextLabel = t("account.next.draft"), url, t("account.continue")
	case verification.StatusRetryRequired:
		av.Next, av.NextURL, av.NextLabel = t("account.next.retry"), url, t("account.fix")
	case verification.StatusSubmitted, verification.StatusProcessing, verification.StatusManualReview, verification.StatusOnHold:
		av.Next, av.NextURL, av.NextLabel = t("status."+string(c.Status)), url, t("account.view")
	case verification.StatusApproved:
		av.Next, av.NextURL, av.NextLabel = t("account.next.approved"), url, t("account.view")
		if wb.Wallet != nil {
			// The case stays one click away ("My verifications").
			av.NextURL, av.NextLabel = "/wallet", t("account.wallet")
		}
	case verification.StatusRejected:
		av.Next, av.NextURL, av.NextLabel = t("status.rejected"), url, t("account.view")
	}
	return nil
}

// inbox is GET /inbox: the in-app messages, newest first.
func (wb *Web) inbox(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "inbox.title")
	p.User = u
	lang := i18n.Lang(p.Lang)
	if wb.Inbox != nil {
		ms, err := wb.Inbox(r.Context(), u.ID)
		if err != nil {
			wb.fail(w, r, "error", p, err)
			return
		}
		for _, m := range ms {
			text := m.Status
			if t, ok := messages["inbox."+m.Status]; ok {
				text = t.In(lang)
			}
			mv := messageView{Text: text, Status: verification.Status(m.Status).Title().In(lang), At: whenOf(m.CreatedAt, lang), Read: m.Read}
			if validCaseID(m.CaseID) {
				mv.CaseURL = "/verify/" + m.CaseID
			}
			if strings.HasPrefix(m.TicketID, "tkt_") && len(m.TicketID) < 64 {
				mv.CaseURL, mv.Status = "/support/tickets/"+m.TicketID, ""
			}
			p.Messages = append(p.Messages, mv)
		}
	}
	wb.addNotices(r, u.ID, p)
	wb.render(w, http.StatusOK, "inbox", p)
}
