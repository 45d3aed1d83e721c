package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

type registerRequest struct {
	Email              string `json:"email"`
	Phone              string `json:"phone"`
	Password           string `json:"password"`
	AcceptTermsVersion string `json:"accept_terms_version"`
}

func (a *API) register(w http.ResponseWriter, r *http.Request) {
	var in registerRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := a.Accounts.Register(r.Context(), identity.RegisterInput{Email: in.Email, Phone: in.Phone,
		Password: in.Password, AcceptTermsVersion: in.AcceptTermsVersion, ClientIP: httpx.ClientIP(r, a.TrustProxy)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

type loginRequest struct {
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tok, sess, u, err := a.Accounts.Login(r.Context(), identity.LoginInput{Email: in.Email, Phone: in.Phone, Password: in.Password,
		Kind: identity.SessionAPI, UserAgent: r.UserAgent(), ClientIP: httpx.ClientIP(r, a.TrustProxy)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "user": u, "session": sess})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	sess, _ := current(r)
	if err := a.Accounts.Logout(r.Context(), sess); err != nil {
		writeError(w, r, err)
		return
	}
	if sess.Kind == identity.SessionWeb {
		httpx.ClearSessionCookie(w, r, a.SecureCookie)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	consents, err := a.Accounts.Consents(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var level verification.Level
	if a.Verifications != nil {
		if level, err = a.Verifications.CurrentLevel(r.Context(), u.ID); err != nil {
			writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "consents": consents, "verification_level": level})
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	sess, _ := current(r)
	list, err := a.Accounts.Sessions(r.Context(), sess)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
}

func (a *API) revokeSession(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if err := a.Accounts.RevokeSession(r.Context(), u.ID, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
