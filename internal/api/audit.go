package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// record writes an audit event for the current user. Staff reads fail
// closed: when the event cannot be written, the data is not returned.
func (a *API) record(r *http.Request, action, subject, detail string) error {
	if a.Audit == nil {
		return nil
	}
	_, u := current(r)
	return a.recordAs(r, u, action, subject, detail)
}

// actorOf names a user in audit events.
func actorOf(u *identity.User) string { return "user:" + u.ID + " (" + string(u.Role) + ")" }

// recordAs writes an audit event with u as the actor.
func (a *API) recordAs(r *http.Request, u *identity.User, action, subject, detail string) error {
	if a.Audit == nil {
		return nil
	}
	return a.Audit.Append(r.Context(), &audit.Event{At: time.Now(), Actor: actorOf(u),
		Action: action, Subject: subject, Detail: detail, RequestID: httpx.RequestID(r.Context())})
}

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	evs, err := a.Audit.Events(r.Context(), after, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"events": evs, "chain_ok": true}
	if seq, err := a.Audit.Verify(evs); err != nil {
		out["chain_ok"], out["broken_at"] = false, seq
	}
	writeJSON(w, http.StatusOK, out)
}
