package api

import (
	"net/http"
	"strconv"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/screening"
)

var errScreeningOff = errs.New(errs.Unavailable, "SCREENING_NOT_CONFIGURED", "Screening is not configured on this server.", "此服务器未配置名单筛查。")

type screeningSearch struct {
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date"`
	Nationality string `json:"nationality"`
	Limit       int    `json:"limit"`
}

// screeningSearch looks a name up in the sanctions and PEP lists.
func (a *API) screeningSearch(w http.ResponseWriter, r *http.Request) {
	if a.Screening == nil {
		writeError(w, r, errScreeningOff)
		return
	}
	var in screeningSearch
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Limit < 0 || in.Limit > 100 {
		writeError(w, r, errs.New(errs.Invalid, "LIMIT_INVALID", "The limit must be between 1 and 100.", "数量上限必须在 1 到 100 之间。").OnField("limit"))
		return
	}
	res, err := a.Screening.Search(r.Context(), screening.Query{Name: in.Name, BirthDate: in.BirthDate, Nationality: in.Nationality, Limit: in.Limit})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// screeningHits lists the hits reviewers decide.
func (a *API) screeningHits(w http.ResponseWriter, r *http.Request) {
	if a.Screening == nil {
		writeError(w, r, errScreeningOff)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	hits, err := a.Screening.Hits(r.Context(), r.URL.Query().Get("status"), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Every staff read of personal data is recorded first.
	if err := a.record(r, "screening.hits.read", "", r.URL.Query().Get("status")); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": hits})
}

type hitDecision struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

// screeningDecide records a reviewer's decision on a hit.
func (a *API) screeningDecide(w http.ResponseWriter, r *http.Request) {
	if a.Screening == nil {
		writeError(w, r, errScreeningOff)
		return
	}
	var in hitDecision
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	_, u := current(r)
	h, err := a.Screening.DecideHit(r.Context(), u.ID, r.PathValue("id"), in.Decision, in.Note)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.record(r, "screening.hit.decide", h.ID, in.Decision); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": h.ID, "status": h.Status, "user_id": h.UserID, "case_id": h.CaseID})
}
