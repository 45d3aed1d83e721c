package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/verification"
)

func lang(r *http.Request) i18n.Lang { return i18n.Parse(r.Header.Get("Accept-Language")) }

// idemKey reads the Idempotency-Key header. Errors: Invalid IDEMPOTENCY_KEY_INVALID.
func idemKey(r *http.Request) (string, error) {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	bad := len(k) > 128
	for i := 0; i < len(k) && !bad; i++ {
		bad = k[i] < 0x21 || k[i] > 0x7e
	}
	if bad {
		return "", errs.New(errs.Invalid, "IDEMPOTENCY_KEY_INVALID", "The Idempotency-Key must be at most 128 printable ASCII characters.",
			"Idempotency-Key 最多 128 个可打印的 ASCII 字符。")
	}
	return k, nil
}

func (a *API) writeCase(w http.ResponseWriter, r *http.Request, status int, c *verification.Case) {
	v, err := a.Verifications.ViewOf(r.Context(), c, lang(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, status, map[string]any{"verification": v})
}

type createVerification struct {
	Level string `json:"level"`
}

func (a *API) createVerification(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in createVerification
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.Create(r.Context(), u.ID, verification.Level(in.Level), key)
	if err != nil {
		writeError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusCreated, c)
}

func (a *API) listVerifications(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	cs, err := a.Verifications.List(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := []*verification.View{}
	for _, c := range cs {
		v, err := a.Verifications.ViewOf(r.Context(), c, lang(r))
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"verifications": out})
}

func (a *API) getVerification(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	c, err := a.Verifications.Get(r.Context(), u.ID, false, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, c)
}

type fieldErrorJSON struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

func (a *API) putApplicant(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in verification.Applicant
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, fes, err := a.Verifications.UpdateApplicant(r.Context(), u.ID, r.PathValue("id"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := a.Verifications.ViewOf(r.Context(), c, lang(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	l := lang(r)
	list := make([]fieldErrorJSON, 0, len(fes))
	for _, fe := range fes {
		list = append(list, fieldErrorJSON{Code: fe.Code, Field: fe.Field, Message: fe.Message.In(l), Hint: fe.Hint.In(l)})
	}
	if r.URL.Query().Get("draft") == "1" {
		// Draft mode (the wizard's saves while typing): saved, 200, with
		// the same field errors as a list, so that a half-typed form is
		// not an HTTP error.
		writeJSON(w, http.StatusOK, map[string]any{"verification": v, "fields": list})
		return
	}
	if len(fes) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"verification": v})
		return
	}
	// Saved, but not right yet: every field error at once, each with a fix.
	msg := i18n.T("Some fields need correcting; what you typed was saved.", "部分信息需要更正；您填写的内容已保存。")
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "APPLICANT_INVALID",
		"message": msg.In(l), "field": list[0].Field, "fields": list}, "verification": v})
}

type attachDocument struct {
	Kind       string `json:"kind"`
	DocumentID string `json:"document_id"`
}

func (a *API) attachDocument(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in attachDocument
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.AttachDocument(r.Context(), u.ID, r.PathValue("id"), in.Kind, in.DocumentID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, c)
}

func (a *API) sendPhoneCode(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if err := a.Verifications.SendPhoneCode(r.Context(), u.ID, r.PathValue("id"), httpx.ClientIP(r, a.TrustProxy)); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"sent": true, "expires_in_seconds": 600})
}

type confirmPhone struct {
	Code string `json:"code"`
}

func (a *API) confirmPhone(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	var in confirmPhone
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.ConfirmPhone(r.Context(), u.ID, r.PathValue("id"), in.Code)
	if err != nil {
		writeError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, c)
}

func (a *API) submitVerification(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Verifications.Submit(r.Context(), u.ID, r.PathValue("id"), key)
	var inc *verification.SubmitIncomplete
	if errors.As(err, &inc) {
		l := lang(r)
		list := []fieldErrorJSON{}
		for _, p := range verification.CustomerFindings(inc.Missing, l) {
			f := p.Field
			if f == "" {
				f = p.Document
			}
			list = append(list, fieldErrorJSON{Code: p.Code, Field: f, Message: p.Message, Hint: p.Hint})
		}
		msg := i18n.T("Something is still missing; nothing was submitted and no attempt was used.", "还缺少一些内容；未提交，也未占用认证次数。")
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "SUBMISSION_INCOMPLETE",
			"message": msg.In(l), "field": list[0].Field, "fields": list}})
		return
	}
	var same *verification.ResubmitUnchanged
	if errors.As(err, &same) {
		l := lang(r)
		list := []fieldErrorJSON{}
		for _, p := range verification.CustomerFindings(same.Open, l) {
			f := p.Field
			if f == "" {
				f = p.Document
			}
			list = append(list, fieldErrorJSON{Code: p.Code, Field: f, Message: p.Message, Hint: p.Hint})
		}
		steps := []string{}
		for _, f := range same.Open {
			if f.Step != "" && !slices.Contains(steps, f.Step) {
				steps = append(steps, f.Step)
			}
		}
		field := ""
		if len(list) > 0 {
			field = list[0].Field
		}
		writeJSON(w, http.StatusConflict, map[string]any{"error": map[string]any{"code": verification.CodeResubmitUnchanged,
			"message": verification.ResubmitUnchangedMessage(same.Open).In(l), "field": field, "fields": list, "steps": steps}})
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusAccepted, c)
}

func (a *API) messages(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	ms, err := a.Messages.Messages(r.Context(), u.ID, 50)
	if err != nil {
		writeError(w, r, err)
		return
	}
	l := lang(r)
	type msgJSON struct {
		ID        string `json:"id"`
		CaseID    string `json:"verification_id"`
		TicketID  string `json:"ticket_id,omitempty"`
		Status    string `json:"status"`
		Text      string `json:"text"`
		CreatedAt any    `json:"created_at"`
		ReadAt    any    `json:"read_at"`
	}
	out := []msgJSON{}
	for _, m := range ms {
		text := messageText(verification.Status(m.Status), l)
		if m.TicketID != "" {
			text = i18n.T("Support replied to your ticket.", "客服回复了您的工单。").In(l)
		}
		out = append(out, msgJSON{ID: m.ID, CaseID: m.CaseID, TicketID: m.TicketID, Status: m.Status, Text: text,
			CreatedAt: m.CreatedAt, ReadAt: m.ReadAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

func messageText(s verification.Status, l i18n.Lang) string {
	switch s {
	case verification.StatusApproved:
		return i18n.T("Your identity is verified. You can now hold and move money.", "您的实名认证已通过，现在可以存取和转账。").In(l)
	case verification.StatusRetryRequired:
		return i18n.T("Your verification needs a correction: open it to see exactly what to fix.", "您的实名认证需要更正：打开认证查看具体需要修改的内容。").In(l)
	case verification.StatusRejected:
		return i18n.T("Your verification could not be approved. Open it for the reason, or contact support.", "您的实名认证未能通过。打开认证查看原因，或联系客服。").In(l)
	case verification.StatusManualReview:
		return i18n.T("Your verification is being reviewed by our team. We will let you know; there is nothing you need to do.", "您的实名认证正在人工审核中。结果出来后会通知您，您无需做任何操作。").In(l)
	}
	return s.Title().In(l)
}
