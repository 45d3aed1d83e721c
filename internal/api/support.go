package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/support"
)

// Support tickets: the customer's routes under /api/v1/support/tickets and
// the support team's under /api/v1/agent/tickets.

// supportRole is the one role check of this file: agents are role support
// or admin; adminOnly also needs admin.
func supportRole(w http.ResponseWriter, r *http.Request, adminOnly bool) (*identity.User, bool) {
	_, u := current(r)
	if adminOnly && u.Role != identity.RoleAdmin {
		writeError(w, r, support.ErrNotAdmin)
		return nil, false
	}
	if u.Role != identity.RoleSupport && u.Role != identity.RoleAdmin {
		writeError(w, r, support.ErrNotAgent)
		return nil, false
	}
	return u, true
}

// ticketJSON is a ticket as the API shows it, with the linked case's
// status and customer-visible reasons and the handling times.
type ticketJSON struct {
	*support.Ticket
	Case                 *support.CaseView `json:"verification,omitempty"`
	FirstResponseSeconds *int64            `json:"first_response_seconds,omitempty"`
	ResolutionSeconds    *int64            `json:"resolution_seconds,omitempty"`
	DocumentsGrantedTo   string            `json:"documents_granted_to,omitempty"`
}

func (a *API) ticketOut(r *http.Request, t *support.Ticket, staff bool) (ticketJSON, error) {
	out := ticketRow(t)
	if !staff {
		out.DocumentsGrantedTo = ""
	}
	cv, err := a.Support.LinkedCase(r.Context(), t, lang(r))
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return out, err
	}
	out.Case = cv
	return out, nil
}

func (a *API) writeTicket(w http.ResponseWriter, r *http.Request, status int, t *support.Ticket, err error, staff bool) {
	if err != nil {
		writeError(w, r, err)
		return
	}
	out, err := a.ticketOut(r, t, staff)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, status, map[string]any{"ticket": out})
}

func (a *API) openTicket(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in support.OpenInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.Open(r.Context(), u.ID, in)
	a.writeTicket(w, r, http.StatusCreated, t, err, false)
}

func (a *API) myTickets(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	ts, err := a.Support.Mine(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": ts})
}

func (a *API) myTicket(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	t, err := a.Support.Get(r.Context(), u.ID, r.PathValue("id"))
	a.writeTicket(w, r, http.StatusOK, t, err, false)
}

type ticketMessageIn struct {
	Body          string   `json:"body"`
	AttachmentIDs []string `json:"attachment_ids"`
}

func (a *API) replyTicket(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in ticketMessageIn
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.Reply(r.Context(), u.ID, r.PathValue("id"), in.Body, in.AttachmentIDs)
	a.writeTicket(w, r, http.StatusCreated, t, err, false)
}

func (a *API) reopenTicket(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	t, err := a.Support.Reopen(r.Context(), u.ID, r.PathValue("id"))
	a.writeTicket(w, r, http.StatusOK, t, err, false)
}

func (a *API) rateTicket(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in struct {
		Rating int `json:"rating"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.Rate(r.Context(), u.ID, r.PathValue("id"), in.Rating)
	a.writeTicket(w, r, http.StatusOK, t, err, false)
}

func (a *API) agentQueue(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, false); !ok {
		return
	}
	q := r.URL.Query()
	f := support.QueueFilter{Status: support.Status(q.Get("status")), Category: support.Category(q.Get("category")), AssigneeID: q.Get("assignee_id")}
	if h := q.Get("older_than_hours"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 {
			writeError(w, r, errs.New(errs.Invalid, "AGE_INVALID", "older_than_hours is a whole number of hours.", "older_than_hours 应为整数小时。").OnField("older_than_hours"))
			return
		}
		f.OlderThan = time.Now().Add(-time.Duration(n) * time.Hour)
	}
	ts, err := a.Support.Queue(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]ticketJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, ticketRow(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
}

// ticketRow is a ticket without the linked case, with its handling times.
func ticketRow(t *support.Ticket) ticketJSON {
	out := ticketJSON{Ticket: t, DocumentsGrantedTo: t.DocumentsGrant}
	tm := support.TimesOf(t)
	if tm.FirstResponse != nil {
		s := int64(*tm.FirstResponse / time.Second)
		out.FirstResponseSeconds = &s
	}
	if tm.Resolution != nil {
		s := int64(*tm.Resolution / time.Second)
		out.ResolutionSeconds = &s
	}
	return out
}

func (a *API) agentTicket(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, false); !ok {
		return
	}
	t, err := a.Support.AgentGet(r.Context(), r.PathValue("id"))
	if err == nil {
		err = a.record(r, "support.ticket.read", t.ID, "")
	}
	a.writeTicket(w, r, http.StatusOK, t, err, true)
}

func (a *API) agentReply(w http.ResponseWriter, r *http.Request) {
	u, ok := supportRole(w, r, false)
	if !ok {
		return
	}
	var in support.AgentReply
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.AgentReply(r.Context(), u.ID, r.PathValue("id"), in)
	a.writeTicket(w, r, http.StatusCreated, t, err, true)
}

func (a *API) agentAssign(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, false); !ok {
		return
	}
	var in struct {
		AssigneeID string `json:"assignee_id"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.Assign(r.Context(), r.PathValue("id"), in.AssigneeID)
	a.writeTicket(w, r, http.StatusOK, t, err, true)
}

func (a *API) agentStatus(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, false); !ok {
		return
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.SetStatus(r.Context(), r.PathValue("id"), support.Status(in.Status))
	a.writeTicket(w, r, http.StatusOK, t, err, true)
}

// agentGrant lets one agent see the linked case's identity documents
// (admins only, audited).
func (a *API) agentGrant(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, true); !ok {
		return
	}
	var in struct {
		AgentID string `json:"agent_id"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Support.GrantDocuments(r.Context(), r.PathValue("id"), in.AgentID)
	if err == nil {
		err = a.record(r, "support.ticket.grant_documents", t.ID, "agent "+in.AgentID)
	}
	a.writeTicket(w, r, http.StatusOK, t, err, true)
}

// agentDocument serves an image to an agent: an attachment of the ticket,
// or, only with the admin's grant to this agent, a document of the linked
// case (audited). Identity documents are otherwise never shown here.
func (a *API) agentDocument(w http.ResponseWriter, r *http.Request) {
	u, ok := supportRole(w, r, false)
	if !ok {
		return
	}
	t, err := a.Support.AgentGet(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	docID := r.PathValue("doc")
	attached := false
	for _, m := range t.Messages {
		attached = attached || slices.Contains(m.Attachments, docID)
	}
	if !attached {
		granted := t.DocumentsGrant != "" && t.DocumentsGrant == u.ID && t.CaseID != ""
		if granted {
			c, err := a.Verifications.Get(r.Context(), t.UserID, true, t.CaseID)
			granted = err == nil && slices.Contains(mapValues(c.Documents), docID)
		}
		if !granted {
			writeError(w, r, document.ErrNotFound)
			return
		}
		if err := a.record(r, "support.ticket.document.read", t.ID, docID); err != nil {
			writeError(w, r, err)
			return
		}
	}
	d, b, err := a.Documents.Image(r.Context(), "", true, docID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/"+d.Format)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (a *API) cannedReplies(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, false); !ok {
		return
	}
	cs, err := a.Support.CannedReplies(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned_replies": cs})
}

func (a *API) saveCannedReply(w http.ResponseWriter, r *http.Request) {
	if _, ok := supportRole(w, r, true); !ok {
		return
	}
	var c support.CannedReply
	if err := decode(w, r, &c); err != nil {
		writeError(w, r, err)
		return
	}
	c.ID = r.PathValue("id")
	if err := a.Support.SaveCannedReply(r.Context(), &c); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned_reply": c})
}
