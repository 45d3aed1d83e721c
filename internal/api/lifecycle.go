package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
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

type recoverPhoneRequest struct {
	CaseID string `json:"case_id"`
}

func (a *API) recoverPhone(w http.ResponseWriter, r *http.Request) {
	var in recoverPhoneRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	_, u := current(r)
	u2, err := a.Accounts.RecoverPhone(r.Context(), u, in.CaseID)
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

// Exports makes personal data exports (app.App implements it).
type Exports interface {
	// RequestExport asks for an export built by a job (a pending one is reused).
	RequestExport(ctx context.Context, userID string) (*sqlstore.Export, error)
	// LatestExport returns the latest request. Errors: NotFound EXPORT_NOT_FOUND.
	LatestExport(ctx context.Context, userID string) (*sqlstore.Export, error)
	// DownloadExport hands out a ready export's ZIP once.
	// Errors: NotFound EXPORT_NOT_FOUND.
	DownloadExport(ctx context.Context, userID, id string) ([]byte, error)
}

func exportJSON(e *sqlstore.Export) map[string]any {
	out := map[string]any{"export": e}
	if e.Status == "ready" {
		out["download_url"] = "/api/v1/me/export/" + e.ID + "/download"
	}
	return out
}

func (a *API) requestExport(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if a.Exports == nil {
		writeError(w, r, errNotAvailable)
		return
	}
	e, err := a.Exports.RequestExport(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, exportJSON(e))
}

func (a *API) getExport(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if a.Exports == nil {
		writeError(w, r, errNotAvailable)
		return
	}
	e, err := a.Exports.LatestExport(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exportJSON(e))
}

func (a *API) downloadExport(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if a.Exports == nil {
		writeError(w, r, errNotAvailable)
		return
	}
	b, err := a.Exports.DownloadExport(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="veriwallet-export.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

var errNotAvailable = errs.New(errs.Unavailable, "NOT_AVAILABLE", "This is not available.", "此功能暂不可用。")
