package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

var errNotReviewer = errs.New(errs.Permission, "REVIEWER_ONLY", "Only reviewers and administrators may do this.", "只有审核员和管理员可以执行此操作。")

func reviewer(u *identity.User) bool {
	return u.Role == identity.RoleReviewer || u.Role == identity.RoleAdmin
}

func (a *API) reviewQueue(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if !reviewer(u) {
		writeError(w, r, errNotReviewer)
		return
	}
	st := verification.Status(r.URL.Query().Get("status"))
	if st != "" && !st.Valid() {
		writeError(w, r, errs.New(errs.Invalid, "STATUS_INVALID", "Unknown status.", "未知状态。").OnField("status"))
		return
	}
	cs, err := a.Verifications.ReviewQueue(r.Context(), st)
	if err != nil {
		writeError(w, r, err)
		return
	}
	type item struct {
		ID        string              `json:"id"`
		UserID    string              `json:"user_id"`
		Level     verification.Level  `json:"level"`
		Status    verification.Status `json:"status"`
		Reasons   []string            `json:"reasons"`
		UpdatedAt any                 `json:"updated_at"`
	}
	out := []item{}
	for _, c := range cs {
		it := item{ID: c.ID, UserID: c.UserID, Level: c.Level, Status: c.Status, UpdatedAt: c.UpdatedAt, Reasons: []string{}}
		if c.Decision != nil {
			it.Reasons = c.Decision.Reasons
		}
		out = append(out, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"verifications": out})
}

func (a *API) reviewCase(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if !reviewer(u) {
		writeError(w, r, errNotReviewer)
		return
	}
	d, err := a.Verifications.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Every staff read of personal data is recorded first.
	if err := a.record(r, "case.review.read", d.Case.ID, ""); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"review": d, "user_id": d.Case.UserID})
}

type reviewDecision struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
	Note    string   `json:"note"`
}

func (a *API) reviewDecide(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if !reviewer(u) {
		writeError(w, r, errNotReviewer)
		return
	}
	var in reviewDecision
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.ReviewerDecide(r.Context(), u.ID, r.PathValue("id"), verification.Status(in.Status), in.Reasons, in.Note)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "status": c.Status})
}
