package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/verification"
)

var errNoBackoffice = errs.New(errs.Unavailable, "BACKOFFICE_UNAVAILABLE", "The back office is not available.", "审核后台不可用。")

func (a *API) backoffice(w http.ResponseWriter, r *http.Request) bool {
	if a.Review == nil {
		writeError(w, r, errNoBackoffice)
		return false
	}
	return true
}

// queue lists the reviewers' work, oldest first (filters: kind, level,
// reason, risk, min_age_hours; paging: after, limit).
func (a *API) queue(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	q := r.URL.Query()
	f := review.Filter{Kind: q.Get("kind"), Level: q.Get("level"), Reason: q.Get("reason"), Risk: q.Get("risk"), After: q.Get("after")}
	if v := q.Get("min_age_hours"); v != "" {
		h, err := strconv.ParseFloat(v, 64)
		if err != nil || h < 0 || h > 1e5 {
			writeError(w, r, errs.New(errs.Invalid, "MIN_AGE_INVALID", "min_age_hours is a number of hours.", "min_age_hours 须为小时数。").OnField("min_age_hours"))
			return
		}
		f.MinAge = time.Duration(h * float64(time.Hour))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, r, errs.New(errs.Invalid, "LIMIT_INVALID", "limit is 1 to 200.", "limit 须为 1 到 200。").OnField("limit"))
			return
		}
		f.Limit = n
	}
	p, err := a.Review.Queue(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) claim(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	_, u := current(r)
	c, err := a.Review.ClaimItem(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"claim": c, "expires_at": c.LastSeenAt.Add(review.ClaimIdle)})
}

func (a *API) release(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	_, u := current(r)
	if err := a.Review.ReleaseItem(r.Context(), u.ID, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// caseView is the console's case: the applicant masked, the checks, the
// decision (with the customer-visible comment), the history, a decision
// waiting for a second reviewer, the customer's risk and earlier cases,
// and the wallet's state when one is wired. The read is audited.
func (a *API) caseView(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	d, err := a.Verifications.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.record(r, "case.review.read", d.Case.ID, "masked"); err != nil {
		writeError(w, r, err)
		return
	}
	_, u := current(r)
	// Working on the case keeps one's claim on it alive.
	_ = a.Review.Store.TouchClaim(r.Context(), review.KindManualReview+":"+d.Case.ID, u.ID, time.Now())
	c := *d.Case
	c.Applicant = review.MaskApplicant(c.Applicant)
	out := map[string]any{"case": c, "user_id": c.UserID, "checks": d.Checks, "decision": d.Decision, "events": d.Events,
		"revealable": review.Revealable}
	docs := map[string]string{}
	for kind, id := range c.Documents {
		docs[kind] = "/api/v1/documents/" + id + "/image"
	}
	out["document_images"] = docs
	if p, err := a.Review.Store.Proposal(r.Context(), c.ID); err == nil {
		out["waiting_second_reviewer"] = p
	}
	if rk, err := a.Review.RiskOf(r.Context(), c.UserID); err == nil {
		out["risk"] = rk
	}
	if earlier, err := a.Verifications.List(r.Context(), c.UserID); err == nil {
		type past struct {
			ID        string              `json:"id"`
			Level     verification.Level  `json:"level"`
			Status    verification.Status `json:"status"`
			UpdatedAt time.Time           `json:"updated_at"`
		}
		list := []past{}
		for _, e := range earlier {
			if e.ID != c.ID {
				list = append(list, past{e.ID, e.Level, e.Status, e.UpdatedAt})
			}
		}
		out["earlier_cases"] = list
	}
	if a.Review.Wallets != nil {
		if ws, err := a.Review.Wallets.WalletState(r.Context(), c.UserID); err == nil {
			out["wallet"] = ws
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type revealRequest struct {
	Field   string `json:"field"`
	Purpose string `json:"purpose"`
}

func (a *API) reveal(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	_, u := current(r)
	var in revealRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	v, err := a.Review.Reveal(r.Context(), u.ID, r.PathValue("id"), in.Field, in.Purpose)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"field": in.Field, "value": v})
}

func (a *API) customerRisk(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	rk, err := a.Review.RiskOf(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"risk": rk})
}

type walletActionRequest struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// walletAction freezes a customer's wallet, or proposes (202) and
// confirms (200) an unfreeze with a second reviewer.
func (a *API) walletAction(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	_, u := current(r)
	var in walletActionRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	o, err := a.Review.WalletAction(r.Context(), u.ID, r.PathValue("id"), in.Action, in.Reason)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if o.Waiting {
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "waiting_second_reviewer", "proposal": o.Proposal})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "done", "action": in.Action})
}

type sarRequest struct {
	Narrative string `json:"narrative"`
}

// sarDraft drafts a suspicious-activity report from a case (audited).
func (a *API) sarDraft(w http.ResponseWriter, r *http.Request) {
	if !a.backoffice(w, r) {
		return
	}
	_, u := current(r)
	var in sarRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	rep, err := a.Review.SARDraft(r.Context(), u.ID, r.PathValue("id"), in.Narrative)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"report": rep})
}
