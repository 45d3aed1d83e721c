package api

import (
	"net/http"
	"time"

	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
)

type forgotRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// forgotAnswer is the one answer to a recovery request, whether or not the
// account exists.
var forgotAnswer = map[string]string{"status": "sent",
	"message": "If an account with this e-mail address or mobile number exists, a code or link is on its way."}

func (a *API) forgotPassword(w http.ResponseWriter, r *http.Request) {
	var in forgotRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	lang := "en"
	if i18n.Parse(r.Header.Get("Accept-Language")) == i18n.ZH {
		lang = "zh"
	}
	if err := a.Accounts.ForgotPassword(r.Context(), identity.ForgotInput{Email: in.Email, Phone: in.Phone,
		ClientIP: httpx.ClientIP(r, a.TrustProxy), Lang: lang}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, forgotAnswer)
}

type resetRequest struct {
	Phone    string `json:"phone"`
	Code     string `json:"code"`
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in resetRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := a.Accounts.ResetPassword(r.Context(), identity.ResetInput{Phone: in.Phone, Code: in.Code, Token: in.Token, Password: in.Password}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	var in changePasswordRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sess, u := current(r)
	if err := a.Accounts.ChangePassword(r.Context(), sess, u, in.CurrentPassword, in.NewPassword); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type changePhoneRequest struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func (a *API) changePhone(w http.ResponseWriter, r *http.Request) {
	var in changePhoneRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	_, u := current(r)
	if err := a.Accounts.StartPhoneChange(r.Context(), u, identity.PhoneChangeInput{NewPhone: in.Phone, Password: in.Password,
		ClientIP: httpx.ClientIP(r, a.TrustProxy)}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "sent", "old_code_required": u.Phone != ""})
}

type confirmPhoneChangeRequest struct {
	OldCode string `json:"old_code"`
	NewCode string `json:"new_code"`
}

func (a *API) confirmPhoneChange(w http.ResponseWriter, r *http.Request) {
	var in confirmPhoneChangeRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	_, u := current(r)
	u2, err := a.Accounts.ConfirmPhoneChange(r.Context(), u, in.OldCode, in.NewCode)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u2})
}

func (a *API) security(w http.ResponseWriter, r *http.Request) {
	sess, u := current(r)
	sessions, err := a.Accounts.Sessions(r.Context(), sess)
	if err != nil {
		writeError(w, r, err)
		return
	}
	notices, err := a.Accounts.Notices(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	until, err := a.Accounts.WalletSendsBlockedUntil(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var blocked *time.Time
	if until.After(time.Now()) {
		blocked = &until
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": sessions, "notices": notices, "sends_blocked_until": blocked})
}

type closeRequest struct {
	Password string `json:"password"`
}

func (a *API) closeAccount(w http.ResponseWriter, r *http.Request) {
	var in closeRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sess, u := current(r)
	if err := a.Accounts.CloseAccount(r.Context(), u, in.Password); err != nil {
		writeError(w, r, err)
		return
	}
	if sess.Kind == identity.SessionWeb {
		httpx.ClearSessionCookie(w, r, a.SecureCookie)
	}
	w.WriteHeader(http.StatusNoContent)
}
