package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/identity"
)

type handoffRequest struct {
	VerificationID string `json:"verification_id"`
}

// handoff makes a one-time link (shown as a QR code) that continues a
// verification on another device, logged in as the same user.
func (a *API) handoff(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in handoffRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.Get(r.Context(), u.ID, false, in.VerificationID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	hs, _ := a.Handoffs.(identity.HandoffStore)
	tok, exp, err := a.Accounts.CreateHandoff(r.Context(), hs, u.ID, c.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"url": "/handoff/" + tok, "expires_at": exp})
}
