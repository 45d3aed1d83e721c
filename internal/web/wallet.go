package web

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// WalletPages are the services the wallet pages use (nil: /wallet answers
// 404 like an unknown page).
type WalletPages struct {
	Ledger   *ledger.Service
	Pins     *wallet.PaymentPasswords
	Payees   *wallet.Payees
	Requests *wallet.PaymentRequests
}

// walletView is what the wallet templates get beside the page.
type walletView struct {
	Balances  []balanceView
	Assets    []string
	Types     []string // statement filter: transaction types
	PINSet    bool
	Level     string
	CanSend   bool
	CanDraw   bool
	SendNext  string // the level that allows sending ("" when allowed or none does)
	DrawNext  string
	Payee     *wallet.Payee
	Request   *wallet.PaymentRequest
	QR        template.URL // data: URL of the receive code's QR image
	PayURL    string
	Done      *doneView
	Entries   []entryView
	Next      string // statement: the next page's query
	CSV       string // statement: the CSV link with the filters
	IdemKey   string
	Withdraws []withdrawView
}

type balanceView struct{ Asset, Balance, Held, Available string }

type entryView struct {
	Time, Type, Asset, Amount, Counterparty, Memo string
	Out                                           bool
}

type withdrawView struct{ ID, Asset, Amount, Status, Destination string }

type doneView struct{ TxID, Amount, Asset, To string }

func newIdemKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "web-" + base64.RawURLEncoding.EncodeToString(b)
}

// walletPage starts a wallet page for the logged-in user, or redirects to
// the login (false).
func (wb *Web) walletPage(w http.ResponseWriter, r *http.Request, title string) (*page, *identity.User, bool) {
	if wb.Wallet == nil || wb.Wallet.Ledger == nil {
		wb.notFound(w, r)
		return nil, nil, false
	}
	_, u := wb.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return nil, nil, false
	}
	p := wb.newPage(r, title)
	p.User = u
	p.Wallet = &walletView{IdemKey: newIdemKey(), Assets: wb.Wallet.Ledger.Assets().Codes()}
	if pol := wb.Wallet.Ledger.Policies; pol != nil {
		if po, err := pol.Policy(r.Context(), u.ID); err == nil {
			lang := i18n.Lang(p.Lang)
			p.Wallet.CanSend, p.Wallet.CanDraw = po.Send.Allowed, po.Withdraw.Allowed
			if po.Level != "" {
				p.Wallet.Level = wb.levelTitle(po.Level, lang)
			}
			if !po.Send.Allowed && po.Send.Next != "" {
				p.Wallet.SendNext = wb.levelTitle(po.Send.Next, lang)
			}
			if !po.Withdraw.Allowed && po.Withdraw.Next != "" {
				p.Wallet.DrawNext = wb.levelTitle(po.Withdraw.Next, lang)
			}
		}
	} else {
		p.Wallet.CanSend, p.Wallet.CanDraw = true, true
	}
	if wb.Wallet.Pins != nil {
		p.Wallet.PINSet, _ = wb.Wallet.Pins.IsSet(r.Context(), u.ID)
	}
	return p, u, true
}

func (wb *Web) format(asset string, v int64) string {
	a, err := wb.Wallet.Ledger.Assets().Get(asset)
	if err != nil {
		a = ledger.Asset{Code: asset}
	}
	return ledger.FormatAmount(a, v)
}

func (wb *Web) walletHome(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.title")
	if !ok {
		return
	}
	p.Form["done"] = r.URL.Query().Get("done")
	bs, err := wb.Wallet.Ledger.Balances(r.Context(), u.ID)
	if err != nil {
		wb.fail(w, r, "wallet", p, err)
		return
	}
	for _, b := range bs {
		p.Wallet.Balances = append(p.Wallet.Balances, balanceView{Asset: b.Asset, Balance: wb.format(b.Asset, b.Balance),
			Held: wb.format(b.Asset, b.Held), Available: wb.format(b.Asset, b.Available)})
	}
	if hs, err := wb.Wallet.Ledger.Withdrawals(r.Context(), u.ID); err == nil {
		for _, h := range hs {
			p.Wallet.Withdraws = append(p.Wallet.Withdraws, withdrawView{ID: h.ID, Asset: h.Asset, Amount: wb.format(h.Asset, h.Amount),
				Status: p.T("wallet.hold." + h.Status), Destination: h.Destination})
		}
	}
	wb.render(w, http.StatusOK, "wallet", p)
}

// walletWritesPaused is the refusal of a wallet write through the pages
// during a maintenance window (the API's wallet routes refuse the same way,
// in notice.WalletWrites); nil outside a window, or when the state cannot be
// read. The page is shown again with what was typed.
func (wb *Web) walletWritesPaused(r *http.Request) error {
	if wb.Notices == nil {
		return nil
	}
	win, err := wb.Notices.Active(r.Context())
	if err != nil || win == nil {
		return nil
	}
	return notice.ErrMaintenance(win, time.Now())
}

func (wb *Web) walletPINForm(w http.ResponseWriter, r *http.Request) {
	p, _, ok := wb.walletPage(w, r, "wallet.pin.title")
	if !ok {
		return
	}
	p.Form["next"] = payNext(r.URL.Query().Get("next"))
	wb.render(w, http.StatusOK, "walletpin", p)
}

func (wb *Web) walletPIN(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.pin.title")
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "walletpin", p, err)
		return
	}
	p.Form["next"] = payNext(r.PostForm.Get("next"))
	if err := wb.walletWritesPaused(r); err != nil {
		wb.fail(w, r, "walletpin", p, err)
		return
	}
	pin := r.PostForm.Get("payment_password")
	if pin != r.PostForm.Get("payment_password_again") {
		wb.fail(w, r, "walletpin", p, errs.New(errs.Invalid, "PAYMENT_PASSWORD_MISMATCH",
			"The two payment passwords differ.", "两次输入的支付密码不一致。").OnField("payment_password_again"))
		return
	}
	if err := wb.Wallet.Pins.Set(r.Context(), u.ID, pin, r.PostForm.Get("password")); err != nil {
		wb.fail(w, r, "walletpin", p, err)
		return
	}
	if next := p.Form["next"]; next != "" { // back to the receive code being paid
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/wallet?done=pin", http.StatusSeeOther)
}

// walletSend: without "to", the payee form; with it, the payee's masked
// name and the amount form (the payer checks the name before paying).
func (wb *Web) walletSendForm(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.send.title")
	if !ok {
		return
	}
	to := strings.TrimSpace(r.URL.Query().Get("to"))
	p.Form["to"] = to
	if to != "" {
		pe, err := wb.Wallet.Payees.Lookup(r.Context(), u.ID, to)
		if err == nil && pe.UserID == u.ID {
			err = ledger.ErrSelfTransfer
		}
		if err != nil {
			wb.fail(w, r, "walletsend", p, err)
			return
		}
		p.Wallet.Payee = pe
	}
	wb.render(w, http.StatusOK, "walletsend", p)
}

func (wb *Web) walletSend(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.send.title")
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "walletsend", p, err)
		return
	}
	f := r.PostForm
	for _, k := range []string{"to", "asset", "amount", "memo", "payee_id", "masked_name"} {
		p.Form[k] = f.Get(k)
	}
	p.Wallet.Payee = &wallet.Payee{UserID: f.Get("payee_id"), MaskedName: f.Get("masked_name")}
	if k := f.Get("idem"); k != "" {
		p.Wallet.IdemKey = k
	}
	if err := wb.walletWritesPaused(r); err != nil {
		wb.fail(w, r, "walletsend", p, err)
		return
	}
	// Pay the payee that was shown (by id), not a new look-up of "to".
	res, err := wb.Wallet.Ledger.Transfer(wallet.WithPayer(r.Context(), u.ID), ledger.TransferInput{From: u.ID, To: f.Get("payee_id"),
		Asset: f.Get("asset"), Amount: f.Get("amount"), Memo: f.Get("memo"), PaymentPassword: f.Get("payment_password"), IdemKey: p.Wallet.IdemKey})
	if err != nil {
		wb.fail(w, r, "walletsend", p, err)
		return
	}
	p.Wallet.Done = &doneView{TxID: res.Tx.ID, Amount: wb.format(res.Tx.Asset, res.Tx.Amount), Asset: res.Tx.Asset, To: f.Get("masked_name")}
	wb.render(w, http.StatusOK, "walletdone", p)
}

func (wb *Web) walletWithdrawForm(w http.ResponseWriter, r *http.Request) {
	p, _, ok := wb.walletPage(w, r, "wallet.withdraw.title")
	if !ok {
		return
	}
	wb.render(w, http.StatusOK, "walletwithdraw", p)
}

func (wb *Web) walletWithdraw(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.withdraw.title")
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "walletwithdraw", p, err)
		return
	}
	f := r.PostForm
	for _, k := range []string{"asset", "amount", "destination"} {
		p.Form[k] = f.Get(k)
	}
	if k := f.Get("idem"); k != "" {
		p.Wallet.IdemKey = k
	}
	if err := wb.walletWritesPaused(r); err != nil {
		wb.fail(w, r, "walletwithdraw", p, err)
		return
	}
	if _, err := wb.Wallet.Ledger.Withdraw(r.Context(), ledger.WithdrawInput{UserID: u.ID, Asset: f.Get("asset"), Amount: f.Get("amount"),
		Destination: f.Get("destination"), PaymentPassword: f.Get("payment_password"), TOTPCode: f.Get("totp_code"), IdemKey: p.Wallet.IdemKey}); err != nil {
		wb.fail(w, r, "walletwithdraw", p, err)
		return
	}
	http.Redirect(w, r, "/wallet?done=withdraw", http.StatusSeeOther)
}

func (wb *Web) walletReceiveForm(w http.ResponseWriter, r *http.Request) {
	p, _, ok := wb.walletPage(w, r, "wallet.receive.title")
	if !ok {
		return
	}
	wb.render(w, http.StatusOK, "walletreceive", p)
}

func (wb *Web) walletReceive(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.receive.title")
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "walletreceive", p, err)
		return
	}
	f := r.PostForm
	for _, k := range []string{"asset", "amount", "memo"} {
		p.Form[k] = f.Get(k)
	}
	if err := wb.walletWritesPaused(r); err != nil {
		wb.fail(w, r, "walletreceive", p, err)
		return
	}
	pr, err := wb.Wallet.Requests.Create(r.Context(), u.ID, wallet.RequestInput{Asset: f.Get("asset"), Amount: f.Get("amount"), Memo: f.Get("memo")})
	if err != nil {
		wb.fail(w, r, "walletreceive", p, err)
		return
	}
	http.Redirect(w, r, "/wallet/receive/"+pr.Code, http.StatusSeeOther)
}

// payURL is the absolute link of a receive code.
func payURL(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/pay/" + code
}

func (wb *Web) walletReceiveCode(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.receive.title")
	if !ok {
		return
	}
	pr, err := wb.Wallet.Requests.Get(r.Context(), u.ID, r.PathValue("code"))
	if err == nil && pr.UserID != u.ID {
		err = wallet.ErrRequestNotFound
	}
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Wallet.Request, p.Wallet.PayURL = pr, payURL(r, pr.Code)
	png, err := qrcode.Encode(p.Wallet.PayURL, qrcode.Medium, 240)
	if err != nil {
		wb.fail(w, r, "error", p, errs.Internalf("qr: %w", err))
		return
	}
	p.Wallet.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	wb.render(w, http.StatusOK, "walletcode", p)
}

func (wb *Web) payForm(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.pay.title")
	if !ok {
		return
	}
	pr, err := wb.Wallet.Requests.Get(r.Context(), u.ID, r.PathValue("code"))
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Wallet.Request = pr
	wb.render(w, http.StatusOK, "walletpay", p)
}

func (wb *Web) pay(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.pay.title")
	if !ok {
		return
	}
	pr, err := wb.Wallet.Requests.Get(r.Context(), u.ID, r.PathValue("code"))
	if err != nil {
		wb.fail(w, r, "error", p, err)
		return
	}
	p.Wallet.Request = pr
	if err := parseForm(w, r); err != nil {
		wb.fail(w, r, "walletpay", p, err)
		return
	}
	p.Form["amount"] = r.PostForm.Get("amount")
	if k := r.PostForm.Get("idem"); k != "" {
		p.Wallet.IdemKey = k
	}
	if err := wb.walletWritesPaused(r); err != nil {
		wb.fail(w, r, "walletpay", p, err)
		return
	}
	res, err := wb.Wallet.Requests.Pay(r.Context(), wallet.PayInput{Payer: u.ID, Code: pr.Code, Amount: r.PostForm.Get("amount"),
		PaymentPassword: r.PostForm.Get("payment_password"), IdemKey: p.Wallet.IdemKey})
	if err != nil {
		wb.fail(w, r, "walletpay", p, err)
		return
	}
	p.Wallet.Done = &doneView{TxID: res.Tx.ID, Amount: wb.format(res.Tx.Asset, res.Tx.Amount), Asset: res.Tx.Asset, To: pr.PayeeName}
	wb.render(w, http.StatusOK, "walletdone", p)
}

func (wb *Web) walletStatement(w http.ResponseWriter, r *http.Request) {
	p, u, ok := wb.walletPage(w, r, "wallet.statement.title")
	if !ok {
		return
	}
	q := r.URL.Query()
	loc := wb.Wallet.Ledger.Location()
	f := ledger.TxFilter{Asset: q.Get("asset"), Type: q.Get("type"), Cursor: q.Get("cursor"), Limit: 20}
	for _, k := range []string{"asset", "type", "from", "to"} {
		p.Form[k] = q.Get(k)
	}
	day := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return t, errs.New(errs.Invalid, "DATE_INVALID", "Dates are written 2026-12-01.", "日期格式为 2026-12-01。")
		}
		return t, nil
	}
	var err error
	if f.From, err = day(q.Get("from")); err == nil {
		f.To, err = day(q.Get("to"))
		if !f.To.IsZero() {
			f.To = f.To.AddDate(0, 0, 1) // the whole last day
		}
	}
	if err != nil {
		wb.fail(w, r, "walletstatement", p, err)
		return
	}
	list, next, err := wb.Wallet.Ledger.Transactions(r.Context(), u.ID, f)
	if err != nil {
		wb.fail(w, r, "walletstatement", p, err)
		return
	}
	for _, e := range list {
		p.Wallet.Entries = append(p.Wallet.Entries, entryView{Time: e.CreatedAt.In(loc).Format("2006-01-02 15:04"),
			Type: p.T("wallet.type." + e.Type), Asset: e.Asset, Amount: wb.format(e.Asset, e.Amount), Counterparty: e.Counterparty,
			Memo: e.Memo, Out: e.Amount < 0})
	}
	filters := url.Values{}
	for _, k := range []string{"asset", "type", "from", "to"} {
		if v := q.Get(k); v != "" {
			filters.Set(k, v)
		}
	}
	// The CSV uses the API's date bounds (from inclusive, to exclusive).
	csvq := url.Values{}
	for _, k := range []string{"asset", "type"} {
		if v := filters.Get(k); v != "" {
			csvq.Set(k, v)
		}
	}
	if !f.From.IsZero() {
		csvq.Set("from", f.From.Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		csvq.Set("to", f.To.Format(time.RFC3339))
	}
	p.Wallet.Types = []string{ledger.TypeDeposit, ledger.TypeTransfer, ledger.TypeWithdrawal, ledger.TypeReversal}
	p.Wallet.CSV = "/api/v1/wallet/statement.csv?" + csvq.Encode()
	if next != "" {
		filters.Set("cursor", next)
		p.Wallet.Next = "/wallet/statement?" + filters.Encode()
	}
	wb.render(w, http.StatusOK, "walletstatement", p)
}

// levelLink reports whether an error is a level refusal (the page shows
// the /verify link with it).
func levelLink(e *pageError) bool {
	return e != nil && (e.Code == "LEVEL_REQUIRED" || e.Code == "LIMIT_EXCEEDED" || e.Code == "VERIFICATION_REQUIRED")
}

// cleanVerify drops the "/verify" a level refusal's message ends with (the
// page shows a link instead).
func cleanVerify(msg string) string {
	for _, suf := range []string{": /verify", "：/verify"} {
		if i := strings.LastIndex(msg, suf); i >= 0 {
			msg = msg[:i] + msg[i+len(suf):]
		}
	}
	return strings.TrimSpace(msg)
}

// levelTitle is the title of a level in the page's language (its name when
// the levels file does not have it).
func (wb *Web) levelTitle(name string, lang i18n.Lang) string {
	if wb.Verifications != nil {
		if l, ok := wb.Verifications.Levels.Level(verification.Level(name)); ok && l.Title.EN != "" {
			return l.Title.In(lang)
		}
	}
	return name
}

// payNext is p when it is a receive code's page (a payer sent to set the
// payment password first comes back to it), else "".
func payNext(p string) string {
	if strings.HasPrefix(p, "/pay/") && walletNext(p) {
		return p
	}
	return ""
}

// walletNext reports whether p is a wallet page a login may return to:
// /wallet, /wallet/<page> or /pay/<code> (letters and digits only, so that
// nothing odd is echoed into the page).
func walletNext(p string) bool {
	rest, ok := strings.CutPrefix(p, "/pay/")
	if !ok {
		if p == "/wallet" {
			return true
		}
		if rest, ok = strings.CutPrefix(p, "/wallet/"); !ok {
			return false
		}
	}
	if rest == "" || len(rest) > 40 {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
