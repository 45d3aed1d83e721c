package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/verification"
)

func (a *API) reviewQueue(w http.ResponseWriter, r *http.Request) {
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
	// The applicant is masked: a field is revealed through
	// POST /api/v1/review/cases/{id}/reveal, with a purpose, audited.
	c := *d.Case
	c.Applicant = review.MaskApplicant(c.Applicant)
	d.Case = &c
	writeJSON(w, http.StatusOK, map[string]any{"review": d, "user_id": d.Case.UserID})
}

type reviewDecision struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
	Note    string   `json:"note"`    // internal
	Comment string   `json:"comment"` // shown to the customer
}

func (a *API) reviewDecide(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in reviewDecision
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if a.Review == nil {
		c, err := a.Verifications.ReviewerDecide(r.Context(), u.ID, r.PathValue("id"), verification.Status(in.Status), in.Reasons, in.Note)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "status": c.Status})
		return
	}
	// Four eyes: a FINAL rejection or a high-risk approval waits (202) for
	// a second reviewer, whose same decision makes it take effect (200).
	o, err := a.Review.Decide(r.Context(), review.DecisionInput{ReviewerID: u.ID, CaseID: r.PathValue("id"),
		Status: verification.Status(in.Status), Reasons: in.Reasons, Note: in.Note, Comment: in.Comment})
	if err != nil {
		writeError(w, r, err)
		return
	}
	if o.Waiting {
		writeJSON(w, http.StatusAccepted, map[string]any{"id": o.Proposal.CaseID, "status": "waiting_second_reviewer", "proposal": o.Proposal})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": o.Case.ID, "status": o.Case.Status})
}

// supportCase is what support sees of a case for a ticket: its status and
// the customer-visible reasons, no applicant data and no documents.
func (a *API) supportCase(w http.ResponseWriter, r *http.Request) {
	c, err := a.Verifications.Get(r.Context(), "", true, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := a.Verifications.ViewOf(r.Context(), c, lang(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.record(r, "case.support.read", c.ID, ""); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"verification": map[string]any{"id": c.ID, "user_id": c.UserID, "level": c.Level,
		"status": c.Status, "reasons": v.Reasons, "updated_at": c.UpdatedAt}})
}
