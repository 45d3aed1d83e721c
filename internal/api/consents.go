package api

import "net/http"

type consentRequest struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

// giveConsent is POST /api/v1/consents {"kind":"sensitive_personal_info",
// "version"}: the separate consent (PIPL art. 29) that must come before an
// ID number or a document photo is saved to a verification.
func (a *API) giveConsent(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in consentRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Accounts.GiveConsent(r.Context(), u.ID, in.Kind, in.Version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"consent": c})
}
