package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// The wallet's customer surface (issue 12, part 2): payment password,
// payees, receive codes, the statement CSV, AML alerts, and API keys on the
// admin wallet routes.

// WalletSurface holds the services of the wallet's surface (nil fields:
// their routes answer 503).
type WalletSurface struct {
	PaymentPasswords *wallet.PaymentPasswords
	Payees           *wallet.Payees
	Requests         *wallet.PaymentRequests
	APIKeys          *wallet.APIKeys
	Monitor          *wallet.Monitor
}

var errSurfaceOff = errs.New(errs.Unavailable, "WALLET_UNAVAILABLE", "The wallet is not enabled on this server.", "本服务器未启用钱包。")

type apiKeyCtx struct{}

// sessionOrKey authenticates a route an API key may call: a bearer token
// that is an API key (wallet.KeyPrefix) must have the route's scope, and
// its use is counted and audited; anything else is a session.
func (a *API) sessionOrKey(pattern, scope string, next http.Handler) http.Handler {
	session := a.authenticated(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := httpx.Token(r)
		if a.Surface == nil || a.Surface.APIKeys == nil || !strings.HasPrefix(tok, wallet.KeyPrefix) || r.Header.Get("Authorization") == "" {
			session.ServeHTTP(w, r)
			return
		}
		k, err := a.Surface.APIKeys.Authenticate(r.Context(), tok, scope, pattern, httpx.RequestID(r.Context()))
		if err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiKeyCtx{}, k)))
	})
}

// keyOrSessionAdmin is the WalletAdmin when API keys are on: the key that
// authenticated the request (its scope was checked by sessionOrKey), or an
// admin's session.
func keyOrSessionAdmin(r *http.Request, scope string) (string, error) {
	if k, ok := r.Context().Value(apiKeyCtx{}).(*wallet.APIKey); ok {
		if !k.Has(scope) {
			return "", wallet.ErrKeyScope(scope)
		}
		return "apikey:" + k.ID, nil
	}
	return sessionWalletAdmin(r, scope)
}

func (a *API) surfaceUser(w http.ResponseWriter, r *http.Request, ok bool) (*identity.User, bool) {
	if a.Surface == nil || !ok {
		writeError(w, r, errSurfaceOff)
		return nil, false
	}
	_, u := current(r)
	return u, true
}

type paymentPasswordRequest struct {
	PaymentPassword string `json:"payment_password"`
	Password        string `json:"password"`
}

func (a *API) putPaymentPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.PaymentPasswords != nil)
	if !ok {
		return
	}
	var in paymentPasswordRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.Surface.PaymentPasswords.Set(r.Context(), u.ID, in.PaymentPassword, in.Password); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_password_set": true})
}

func (a *API) getPaymentPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.PaymentPasswords != nil)
	if !ok {
		return
	}
	set, err := a.Surface.PaymentPasswords.IsSet(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_password_set": set})
}

func (a *API) getPayee(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.Payees != nil)
	if !ok {
		return
	}
	p, err := a.Surface.Payees.Lookup(r.Context(), u.ID, r.URL.Query().Get("to"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if p.UserID == u.ID {
		writeError(w, r, ledger.ErrSelfTransfer)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payee": p})
}

func (a *API) createPaymentRequest(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.Requests != nil)
	if !ok {
		return
	}
	var in wallet.RequestInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	pr, err := a.Surface.Requests.Create(r.Context(), u.ID, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"payment_request": pr, "qr_png": "/api/v1/wallet/payment-requests/" + pr.Code + "/qr.png"})
}

func (a *API) getPaymentRequest(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.Requests != nil)
	if !ok {
		return
	}
	pr, err := a.Surface.Requests.Get(r.Context(), u.ID, r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_request": pr, "qr_png": "/api/v1/wallet/payment-requests/" + pr.Code + "/qr.png"})
}

// paymentRequestQR is the receive code's QR image: the absolute /pay link.
func (a *API) paymentRequestQR(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.Requests != nil)
	if !ok {
		return
	}
	pr, err := a.Surface.Requests.Get(r.Context(), u.ID, r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	png, err := QRCode(PayURL(r, pr.Code), 256)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write(png)
}

// PayURL is the absolute link of a receive code, from the request's host.
func PayURL(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/pay/" + code
}

// QRCode renders text as a PNG QR code (error correction M) of size pixels.
func QRCode(text string, size int) ([]byte, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return nil, errs.Internalf("qr code: %w", err)
	}
	return png, nil
}

type payRequest struct {
	Amount          string `json:"amount"`
	PaymentPassword string `json:"payment_password"`
}

func (a *API) payPaymentRequest(w http.ResponseWriter, r *http.Request) {
	u, ok := a.surfaceUser(w, r, a.Surface != nil && a.Surface.Requests != nil && a.Wallet != nil)
	if !ok {
		return
	}
	var in payRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Surface.Requests.Pay(r.Context(), wallet.PayInput{Payer: u.ID, Code: r.PathValue("code"), Amount: in.Amount,
		PaymentPassword: in.PaymentPassword, IdemKey: key})
	a.writeResult(w, r, res, err)
}

// statementCSV is the customer's statement as CSV: UTF-8 with a byte order
// mark (so that Excel reads Chinese memos), amounts as decimal strings,
// times in the wallet's time zone. Filters as /wallet/transactions; up to
// 10,000 lines.
func (a *API) statementCSV(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := ledger.TxFilter{Asset: q.Get("asset"), Type: q.Get("type"), Limit: 200}
	var err error
	if f.From, err = parseWhen(q.Get("from"), "from", a.Wallet.Location()); err != nil {
		writeError(w, r, err)
		return
	}
	if f.To, err = parseWhen(q.Get("to"), "to", a.Wallet.Location()); err != nil {
		writeError(w, r, err)
		return
	}
	data, err := a.StatementCSV(r, u.ID, f, lang(r) == i18n.ZH)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statement-`+time.Now().In(a.Wallet.Location()).Format("20060102")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

// StatementCSV builds a customer's statement CSV (with the BOM).
func (a *API) StatementCSV(r *http.Request, userID string, f ledger.TxFilter, zh bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	head := []string{"time", "transaction_id", "type", "asset", "amount", "counterparty_user_id", "memo", "reference"}
	if zh {
		head = []string{"时间", "交易号", "类型", "币种", "金额", "对方用户", "备注", "参考号"}
	}
	_ = cw.Write(head)
	loc := a.Wallet.Location()
	for n := 0; n < 50; n++ {
		list, next, err := a.Wallet.Transactions(r.Context(), userID, f)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			_ = cw.Write([]string{e.CreatedAt.In(loc).Format("2006-01-02 15:04:05"), e.TxID, e.Type, e.Asset,
				ledger.FormatAmount(a.asset(e.Asset), e.Amount), e.Counterparty, csvSafe(e.Memo), csvSafe(e.Reference)})
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula (CSV
// injection: a memo starting with = + - @).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (a *API) reviewAlerts(w http.ResponseWriter, r *http.Request) {
	if a.Surface == nil || a.Surface.Monitor == nil {
		writeError(w, r, errSurfaceOff)
		return
	}
	q := r.URL.Query()
	f := wallet.AlertFilter{UserID: q.Get("user_id"), Rule: q.Get("rule")}
	if l, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = l
	}
	list, err := a.Surface.Monitor.Alerts(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
}
