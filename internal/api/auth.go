package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
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
	TOTPCode string `json:"totp_code"` // the second factor: 6 digits, or a recovery code
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tok, sess, u, err := a.Accounts.Login(r.Context(), identity.LoginInput{Email: in.Email, Phone: in.Phone, Password: in.Password,
		Kind: identity.SessionAPI, UserAgent: r.UserAgent(), ClientIP: httpx.ClientIP(r, a.TrustProxy), TOTPCode: in.TOTPCode})
	if e := errs.As(err); err != nil && e.Code == "TOTP_ENROLMENT_REQUIRED" && tok != "" {
		// The body carries the short-lived token that opens POST /api/v1/me/totp.
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": errorJSON{Code: e.Code,
			Message: e.Message.In(lang(r)), RequestID: httpx.RequestID(r.Context())},
			"enrolment_token": tok, "expires_at": sess.ExpiresAt})
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if u.Role.Staff() {
		if err := a.recordAs(r, u, "staff.login", u.ID, "session "+sess.ID); err != nil {
			writeError(w, r, err)
			return
		}
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

type totpRequest struct {
	Code string `json:"code"`
}

// beginTOTP starts the enrolment of a second factor: for the bearer of an
// enrolment token (staff at first login) or of a session (any user opting
// in). It answers the secret, its otpauth:// URL and that URL as a QR code
// (SVG).
func (a *API) beginTOTP(w http.ResponseWriter, r *http.Request) {
	_, u, err := a.Accounts.AuthenticateEnrolment(r.Context(), httpx.Token(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	en, err := a.Accounts.BeginTOTP(r.Context(), u)
	if err != nil {
		writeError(w, r, err)
		return
	}
	svg, err := qrSVG(en.URL)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"secret": en.Secret, "otpauth_url": en.URL, "qr_svg": svg})
}

// confirmTOTP turns the second factor on with a first code, answering the
// recovery codes (shown this once) and, for an enrolment token, the
// session the login would have opened.
func (a *API) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	sess, u, err := a.Accounts.AuthenticateEnrolment(r.Context(), httpx.Token(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in totpRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	codes, err := a.Accounts.ConfirmTOTP(r.Context(), u.ID, in.Code)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.recordAs(r, u, "user.totp.enabled", u.ID, ""); err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"recovery_codes": codes}
	if sess.Kind == identity.SessionEnrolment {
		tok, ns, err := a.Accounts.FinishEnrolment(r.Context(), sess, u, identity.SessionAPI, r.UserAgent())
		if err != nil {
			writeError(w, r, err)
			return
		}
		if err := a.recordAs(r, u, "staff.login", u.ID, "session "+ns.ID); err != nil {
			writeError(w, r, err)
			return
		}
		out["token"], out["session"], out["user"] = tok, ns, u
	}
	writeJSON(w, http.StatusOK, out)
}

type roleRequest struct {
	Role string `json:"role"`
}

// setRole changes a user's role (administrators; audited, and the user's
// sessions end).
func (a *API) setRole(w http.ResponseWriter, r *http.Request) {
	_, me := current(r)
	var in roleRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := a.Accounts.SetRole(r.Context(), actorOf(me), r.PathValue("id"), identity.Role(in.Role), httpx.RequestID(r.Context()))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": u.ID, "role": u.Role}})
}
