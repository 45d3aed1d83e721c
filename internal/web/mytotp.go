package web

import (
	"encoding/base64"
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Customers turn on a second factor from their account (optional; it is
// then asked at every login, and for withdrawals above the operator's
// amount). Staff enrol at their first login instead (totpLogin).

// myTOTPForm shows the QR code and the secret of a new second factor, or
// says it is on already.
func (wb *Web) myTOTPForm(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.newPage(r, "mytotp.title")
	p.User = u
	on, err := wb.Accounts.TOTPEnabled(r.Context(), u.ID)
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	if on {
		p.Form["on"] = "1"
		wb.render(w, http.StatusOK, "mytotp", p)
		return
	}
	en, err := wb.Accounts.BeginTOTP(r.Context(), u)
	if err != nil {
		wb.fail(w, r, "mytotp", p, err)
		return
	}
	svg, err := qrSVG(en.URL)
	if err != nil {
		wb.fail(w, r, "mytotp", p, errs.Internalf("qr: %w", err))
		return
	}
	p.Form["secret"] = en.Secret
	p.Form["qr"] = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
	wb.render(w, http.StatusOK, "mytotp", p)
}

// myTOTP turns the second factor on with a first code and shows the
// recovery codes once.
func (wb *Web) myTOTP(w http.ResponseWriter, r *http.Request) {
	_, u := wb.mustUser(w, r)
	if u == nil {
		return
	}
	p := wb.newPage(r, "mytotp.title")
	p.User = u
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "mytotp", p, err)
		return
	}
	codes, err := wb.Accounts.ConfirmTOTP(r.Context(), u.ID, r.PostForm.Get("code"))
	if err != nil {
		p.Form["secret"], p.Form["qr"] = r.PostForm.Get("secret"), r.PostForm.Get("qr")
		wb.fail(w, r, "mytotp", p, err)
		return
	}
	p.Recovery = codes
	wb.render(w, http.StatusOK, "mytotp", p)
}

var myTOTPMessages = map[string]i18n.Text{
	"mytotp.title": i18n.T("Two-factor login", "两步验证"),
	"mytotp.lead": i18n.T("Optional, and recommended: after this, logging in (and withdrawing large amounts) also asks for the 6-digit code your authenticator app shows. Scan the QR code with the app (or type the secret), then enter the code it shows.",
		"可选，建议开启：开启后，登录（以及大额提现）时还需输入身份验证器应用显示的 6 位验证码。请用应用扫描二维码（或输入密钥），然后输入应用显示的验证码。"),
	"mytotp.on":   i18n.T("Two-factor login is on for this account.", "此账户已开启两步验证。"),
	"mytotp.link": i18n.T("Two-factor login", "两步验证"),
	"mytotp.back": i18n.T("Back to security", "返回账户安全"),
}

func init() {
	for k, v := range myTOTPMessages {
		messages[k] = v
	}
}
