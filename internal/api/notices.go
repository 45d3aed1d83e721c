package api

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/support"
)

// Announcements, maintenance windows, incidents, the status page and the
// help centre.

var errNoticesAdmin = errs.New(errs.Permission, "NOT_ADMIN", "Only an administrator can do this.", "只有管理员可以进行此操作。")

// noticesAdmin is the one role check of this file: admins only.
func noticesAdmin(w http.ResponseWriter, r *http.Request) bool {
	_, u := current(r)
	if u.Role != identity.RoleAdmin {
		writeError(w, r, errNoticesAdmin)
		return false
	}
	return true
}

func (a *API) announcements(w http.ResponseWriter, r *http.Request) {
	as, err := a.Notices.Current(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"announcements": as})
}

func (a *API) publishAnnouncement(w http.ResponseWriter, r *http.Request) {
	if !noticesAdmin(w, r) {
		return
	}
	var in notice.AnnouncementInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	an, err := a.Notices.Publish(r.Context(), in)
	if err == nil {
		err = a.record(r, "notice.announcement.publish", an.ID, string(an.Kind))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"announcement": an})
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title   string `xml:"title"`
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Content struct {
		Type string `xml:"type,attr"`
		Body string `xml:",chardata"`
	} `xml:"content"`
}

// announcementFeed is the Atom feed of the announcements in force and to
// come, in the reader's language.
func (a *API) announcementFeed(w http.ResponseWriter, r *http.Request) {
	as, err := a.Notices.Recent(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	l := lang(r)
	f := atomFeed{Title: i18n.T("veriwallet announcements", "veriwallet 钱包公告").In(l), ID: "urn:veriwallet:announcements",
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for _, an := range as {
		e := atomEntry{Title: an.Title.In(l), ID: "urn:veriwallet:announcement:" + an.ID, Updated: an.CreatedAt.Format(time.RFC3339)}
		e.Content.Type = "text"
		e.Content.Body = an.Body.In(l) + " (" + an.StartsAt.Format(time.RFC3339) + " – " + an.EndsAt.Format(time.RFC3339) + ")"
		if e.Updated > f.Updated {
			f.Updated = e.Updated
		}
		f.Entries = append(f.Entries, e)
	}
	b, _ := xml.MarshalIndent(f, "", "  ")
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

type maintenanceIn struct {
	StartsAt time.Time   `json:"starts_at"`
	EndsAt   time.Time   `json:"ends_at"`
	Note     notice.Text `json:"note"`
}

func (a *API) scheduleMaintenance(w http.ResponseWriter, r *http.Request) {
	if !noticesAdmin(w, r) {
		return
	}
	var in maintenanceIn
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	win, err := a.Notices.Schedule(r.Context(), in.StartsAt, in.EndsAt, in.Note)
	if err == nil {
		err = a.record(r, "notice.maintenance.schedule", win.ID, win.StartsAt.Format(time.RFC3339)+" "+win.EndsAt.Format(time.RFC3339))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"maintenance": win})
}

func (a *API) stopMaintenance(w http.ResponseWriter, r *http.Request) {
	if !noticesAdmin(w, r) {
		return
	}
	n, err := a.Notices.Stop(r.Context())
	if err == nil {
		err = a.record(r, "notice.maintenance.stop", "", "")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stopped": n})
}

func (a *API) openIncident(w http.ResponseWriter, r *http.Request) {
	if !noticesAdmin(w, r) {
		return
	}
	var in notice.IncidentInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	inc, err := a.Notices.OpenIncident(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"incident": inc})
}

func (a *API) updateIncident(w http.ResponseWriter, r *http.Request) {
	if !noticesAdmin(w, r) {
		return
	}
	var in struct {
		Body    notice.Text `json:"body"`
		Resolve bool        `json:"resolve"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.Notices.UpdateIncident(r.Context(), r.PathValue("id"), in.Body, in.Resolve); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ok": true})
}

func (a *API) status(w http.ResponseWriter, r *http.Request) {
	rep, err := a.Notices.Status(r.Context(), a.StatusProbes)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

type articleJSON struct {
	Slug     string        `json:"slug"`
	Code     string        `json:"code,omitempty"`
	Title    string        `json:"title"`
	Sections []sectionJSON `json:"sections,omitempty"`
}

type sectionJSON struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

func articleOut(ar support.Article, l i18n.Lang, full bool) articleJSON {
	out := articleJSON{Slug: ar.Slug, Code: ar.Code, Title: ar.Title.In(l)}
	if full {
		for _, s := range ar.Sections {
			out.Sections = append(out.Sections, sectionJSON{s.Heading.In(l), s.Body.In(l)})
		}
	}
	return out
}

// helpArticles lists the help centre, or searches it with ?q= (Chinese or
// English words).
func (a *API) helpArticles(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	out := []articleJSON{}
	if q := r.URL.Query().Get("q"); q != "" {
		if len(q) > 200 {
			q = q[:200]
		}
		for _, h := range support.Search(q) {
			out = append(out, articleOut(h.Article, l, false))
		}
	} else {
		for _, ar := range support.Articles() {
			out = append(out, articleOut(ar, l, false))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"articles": out})
}

func (a *API) helpArticle(w http.ResponseWriter, r *http.Request) {
	ar, ok := support.ArticleBySlug(r.PathValue("slug"))
	if !ok {
		writeError(w, r, errs.New(errs.NotFound, "ARTICLE_NOT_FOUND", "No such help article.", "没有这篇帮助文章。"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"article": articleOut(ar, lang(r), true)})
}
