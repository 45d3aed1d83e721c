package web

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// The support, help-centre, status and support-console pages (issue 15).

// supportView is what those pages show.
type supportView struct {
	Tickets  []*support.Ticket
	Ticket   *support.Ticket
	Case     *support.CaseView
	Canned   []support.CannedReply
	Articles []articleView
	Article  *articleView
	Query    string
	Status   *notice.Report
	Filter   map[string]string
	Times    support.Times
}

type articleView struct {
	Slug, Title string
	Sections    []struct{ Heading, Body string }
}

type bannerView struct{ ID, Kind, Title, Body string }

func articleIn(a support.Article, l i18n.Lang) articleView {
	v := articleView{Slug: a.Slug, Title: a.Title.In(l)}
	for _, s := range a.Sections {
		v.Sections = append(v.Sections, struct{ Heading, Body string }{s.Heading.In(l), s.Body.In(l)})
	}
	return v
}

// banners are the announcements in force the browser has not dismissed.
func (wb *Web) banners(r *http.Request, l i18n.Lang) []bannerView {
	if wb.Notices == nil {
		return nil
	}
	as, err := wb.Notices.Current(r.Context())
	if err != nil {
		return nil
	}
	var dismissed []string
	if c, err := r.Cookie("dismissed"); err == nil {
		dismissed = strings.Split(c.Value, ".")
	}
	var out []bannerView
	// A window in force is always shown, with its expected end (Beijing
	// time): submissions wait for it, wallet writes are refused.
	if w, err := wb.Notices.Active(r.Context()); err == nil && w != nil {
		end := w.EndsAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
		out = append(out, bannerView{ID: w.ID, Kind: "maintenance-window",
			Title: i18n.T("Maintenance until "+end+" (Beijing time).", "系统维护中，预计北京时间 "+end+" 结束。").In(l),
			Body:  w.Note.In(l) + " " + i18n.T("Verifications you submit now are kept and checked when it ends.", "现在提交的认证会被保留，维护结束后自动核验。").In(l)})
	}
	for _, a := range as {
		if !slices.Contains(dismissed, a.ID) {
			out = append(out, bannerView{a.ID, string(a.Kind), a.Title.In(l), a.Body.In(l)})
		}
	}
	return out
}

// dismiss is GET /announcements/{id}/dismiss: the banner stays hidden in
// this browser.
func (wb *Web) dismiss(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || len(id) > 40 || strings.ContainsFunc(id, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')
	}) { // announcement ids; anything else could not go into the cookie
		wb.notFound(w, r)
		return
	}
	v := id
	if c, err := r.Cookie("dismissed"); err == nil && len(c.Value) < 2000 {
		v = c.Value + "." + id
	}
	http.SetCookie(w, &http.Cookie{Name: "dismissed", Value: v, Path: "/", MaxAge: 90 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.SecureCookie})
	// localPath, not a prefix check: browsers read /\evil.example as //evil.example.
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

func (wb *Web) help(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "help.title")
	_, p.User = wb.user(r)
	l := i18n.Lang(p.Lang)
	p.Support = &supportView{Query: r.URL.Query().Get("q")}
	if q := p.Support.Query; q != "" {
		if len(q) > 200 {
			q = q[:200]
		}
		for _, h := range support.Search(q) {
			p.Support.Articles = append(p.Support.Articles, articleIn(h.Article, l))
		}
	} else {
		for _, a := range support.Articles() {
			p.Support.Articles = append(p.Support.Articles, articleIn(a, l))
		}
	}
	wb.render(w, http.StatusOK, "help", p)
}

func (wb *Web) helpArticle(w http.ResponseWriter, r *http.Request) {
	a, ok := support.ArticleBySlug(r.PathValue("slug"))
	if !ok {
		wb.notFound(w, r)
		return
	}
	p := wb.newPage(r, "help.title")
	_, p.User = wb.user(r)
	v := articleIn(a, i18n.Lang(p.Lang))
	p.Support = &supportView{Article: &v}
	wb.render(w, http.StatusOK, "article", p)
}

func (wb *Web) statusPage(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "statuspage.title")
	_, p.User = wb.user(r)
	rep, err := wb.Notices.Status(r.Context(), wb.StatusProbes)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Support = &supportView{Status: rep}
	wb.render(w, http.StatusOK, "status", p)
}

// support is GET /support: the form to open a ticket (with the case from
// ?verification= attached) and the customer's tickets.
func (wb *Web) support(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "support.title")
	_, p.User = wb.user(r)
	if id := r.URL.Query().Get("verification"); validCaseID(id) {
		p.CaseID = id
		p.Form["case_number"] = verification.CaseNumber(id)
	}
	p.Support = &supportView{}
	if p.User != nil && wb.Support != nil {
		ts, err := wb.Support.Mine(r.Context(), p.User.ID)
		if err != nil {
			wb.fail(w, r, "error", p, err)
			return
		}
		p.Support.Tickets = ts
	}
	wb.render(w, http.StatusOK, "support", p)
}

// openTicket is POST /support: subject, body, the case and up to 5
// screenshots (multipart), stored as documents of kind attachment.
func (wb *Web) openTicket(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "support.title")
	p.User = u
	p.Support = &supportView{}
	r.Body = http.MaxBytesReader(w, r.Body, 5*wb.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		wb.fail(w, r, "support", p, errs.New(errs.TooLarge, "BODY_TOO_LARGE", "The screenshots are too large.", "截图过大。").OnField("file"))
		return
	}
	in := support.OpenInput{Category: r.PostForm.Get("category"), Subject: r.PostForm.Get("subject"), Body: r.PostForm.Get("body"),
		CaseID: r.PostForm.Get("verification_id")}
	if validCaseID(in.CaseID) {
		p.CaseID = in.CaseID
		p.Form["case_number"] = verification.CaseNumber(in.CaseID)
	}
	p.Form["subject"], p.Form["body"] = in.Subject, in.Body
	ids, err := wb.saveAttachments(r, u.ID)
	if err != nil {
		wb.fail(w, r, "support", p, err)
		return
	}
	in.AttachmentIDs = ids
	t, err := wb.Support.Open(r.Context(), u.ID, in)
	if err != nil {
		wb.fail(w, r, "support", p, err)
		return
	}
	http.Redirect(w, r, "/support/tickets/"+t.ID, http.StatusSeeOther)
}

func (wb *Web) saveAttachments(r *http.Request, userID string) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	files := r.MultipartForm.File["file"]
	if len(files) > support.MaxAttachmentsPerMsg {
		return nil, errs.New(errs.Invalid, "TOO_MANY_ATTACHMENTS", "At most 5 attachments per message.", "每条消息最多 5 个附件。").OnField("file")
	}
	var ids []string
	for _, fh := range files {
		if fh.Size == 0 {
			continue
		}
		// A screenshot may show personal information: kept only after the
		// separate consent, as on the API's documents path.
		if ok, err := wb.Accounts.HasSensitiveConsent(r.Context(), userID); err != nil || !ok {
			if err == nil {
				err = verification.ConsentError(r.Context(), wb.Accounts, userID)
			}
			return nil, err
		}
		f, err := fh.Open()
		if err != nil {
			return nil, errs.Internalf("open upload: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, wb.MaxUpload+1))
		f.Close()
		if err != nil {
			return nil, errs.Internalf("read upload: %w", err)
		}
		d, rep, err := wb.Documents.Create(r.Context(), userID, document.KindAttachment, data)
		if err != nil {
			return nil, err
		}
		if !d.Accepted {
			msg := i18n.T("This file cannot be attached: send a JPEG or PNG screenshot.", "无法添加此文件：请上传 JPEG 或 PNG 格式的截图。")
			if rep != nil && len(rep.Reasons) > 0 {
				msg = rep.Reasons[0].Message
			}
			return nil, &errs.Error{Kind: errs.Invalid, Code: "ATTACHMENT_INVALID", Field: "file", Message: msg}
		}
		ids = append(ids, d.ID)
	}
	return ids, nil
}

func (wb *Web) ticketPage(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "support.ticket")
	p.User = u
	t, err := wb.Support.Get(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	cv, _ := wb.Support.LinkedCase(r.Context(), t, i18n.Lang(p.Lang))
	p.Support = &supportView{Ticket: t, Case: cv}
	wb.render(w, http.StatusOK, "ticket", p)
}

// replyTicket is POST /support/tickets/{id}: the customer's reply.
func (wb *Web) replyTicket(w http.ResponseWriter, r *http.Request) {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := wb.newPage(r, "support.ticket")
	p.User = u
	r.Body = http.MaxBytesReader(w, r.Body, 5*wb.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		wb.fail(w, r, "error", p, errs.New(errs.TooLarge, "BODY_TOO_LARGE", "The screenshots are too large.", "截图过大。"))
		return
	}
	id := r.PathValue("id")
	var err error
	if r.PostForm.Get("rating") != "" {
		n := int(r.PostForm.Get("rating")[0] - '0')
		_, err = wb.Support.Rate(r.Context(), u.ID, id, n)
	} else {
		var ids []string
		if ids, err = wb.saveAttachments(r, u.ID); err == nil {
			_, err = wb.Support.Reply(r.Context(), u.ID, id, r.PostForm.Get("body"), ids)
		}
	}
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	http.Redirect(w, r, "/support/tickets/"+url.PathEscape(id), http.StatusSeeOther)
}

// agentOnly is the one role check of these pages: role support or admin.
func (wb *Web) agentOnly(w http.ResponseWriter, r *http.Request) *identity.User {
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return nil
	}
	if u.Role != identity.RoleSupport && u.Role != identity.RoleAdmin {
		wb.fail(w, r, "error", wb.newPage(r, "error.title"), support.ErrNotAgent)
		return nil
	}
	return u
}

// agentQueue is GET /agent/tickets: the queue by status, category and age.
func (wb *Web) agentQueue(w http.ResponseWriter, r *http.Request) {
	u := wb.agentOnly(w, r)
	if u == nil {
		return
	}
	p := wb.newPage(r, "agent.title")
	p.User = u
	q := r.URL.Query()
	f := support.QueueFilter{Status: support.Status(q.Get("status")), Category: support.Category(q.Get("category"))}
	if f.Status == "" && !q.Has("status") {
		f.Status = support.StatusOpen
	}
	if d, err := time.ParseDuration(q.Get("older") + "h"); err == nil && d > 0 {
		f.OlderThan = time.Now().Add(-d)
	}
	ts, err := wb.Support.Queue(r.Context(), f)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Support = &supportView{Tickets: ts, Filter: map[string]string{"status": string(f.Status), "category": string(f.Category), "older": q.Get("older")}}
	wb.render(w, http.StatusOK, "agent", p)
}

// agentTicket is GET /agent/tickets/{id}: the conversation with internal
// notes, the linked case's status and customer-visible reasons (never a
// sensitive one, never a document), canned replies and the times.
func (wb *Web) agentTicket(w http.ResponseWriter, r *http.Request) {
	u := wb.agentOnly(w, r)
	if u == nil {
		return
	}
	p := wb.newPage(r, "agent.title")
	p.User = u
	t, err := wb.Support.AgentGet(r.Context(), r.PathValue("id"))
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	if wb.AuditRead != nil {
		if err := wb.AuditRead(r, "support.ticket.read", t.ID); err != nil {
			wb.fail(w, r, "error", p, err)
			return
		}
	}
	cv, _ := wb.Support.LinkedCase(r.Context(), t, i18n.Lang(p.Lang))
	cs, err := wb.Support.CannedReplies(r.Context())
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Support = &supportView{Ticket: t, Case: cv, Canned: cs, Times: support.TimesOf(t)}
	wb.render(w, http.StatusOK, "agentticket", p)
}

// agentReply is POST /agent/tickets/{id}: a reply, a canned reply or an
// internal note; assignment to oneself.
func (wb *Web) agentReply(w http.ResponseWriter, r *http.Request) {
	u := wb.agentOnly(w, r)
	if u == nil {
		return
	}
	p := wb.newPage(r, "agent.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	id := r.PathValue("id")
	var err error
	if r.PostForm.Get("assign") != "" {
		_, err = wb.Support.Assign(r.Context(), id, u.ID)
	} else {
		_, err = wb.Support.AgentReply(r.Context(), u.ID, id, support.AgentReply{Body: r.PostForm.Get("body"), CannedID: r.PostForm.Get("canned_id"),
			Lang: p.Lang, Internal: r.PostForm.Get("internal") != "", Resolve: r.PostForm.Get("resolve") != ""})
	}
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	http.Redirect(w, r, "/agent/tickets/"+url.PathEscape(id), http.StatusSeeOther)
}

// reasonSlug is the part of a reason article's slug after "reason-".
func reasonSlug(code string) string { return strings.TrimPrefix(support.ReasonSlug(code), "reason-") }
