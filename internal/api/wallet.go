package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
)

// The wallet (issue 12). Amounts are decimal strings in and out; a refusal
// with a level or a limit carries "details" (the window, what is left, the
// level that would allow it and the /verify link) beside the code.

var errWalletOff = errs.New(errs.Unavailable, "WALLET_UNAVAILABLE", "The wallet is not enabled on this server.", "本服务器未启用钱包。")

// WalletAdmin decides who may call the wallet's admin routes (deposits,
// completing and cancelling withdrawals, reversals, freezes) and returns
// the actor recorded for it ("admin:<id>"). The default takes an admin's
// session; scoped API keys replace it.
type WalletAdmin func(r *http.Request, scope string) (actor string, err error)

// Wallet API scopes, for WalletAdmin.
const (
	ScopeWalletDeposit     = "wallet:deposit"
	ScopeWalletWithdrawals = "wallet:withdrawals"
	ScopeWalletAdmin       = "wallet:admin"
)

func sessionWalletAdmin(r *http.Request, _ string) (string, error) {
	_, u := current(r)
	if u == nil || u.Role != identity.RoleAdmin {
		return "", errForbidden
	}
	return "admin:" + u.ID, nil
}

// walletAdmin answers for the wallet's admin routes; false when it wrote
// the refusal.
func (a *API) walletAdmin(w http.ResponseWriter, r *http.Request, scope string) (string, bool) {
	if a.Wallet == nil {
		writeError(w, r, errWalletOff)
		return "", false
	}
	check := a.WalletAdmin
	if check == nil {
		check = sessionWalletAdmin
	}
	actor, err := check(r, scope)
	if err != nil {
		writeError(w, r, err)
		return "", false
	}
	return actor, true
}

func (a *API) walletUser(w http.ResponseWriter, r *http.Request) (*identity.User, bool) {
	if a.Wallet == nil {
		writeError(w, r, errWalletOff)
		return nil, false
	}
	_, u := current(r)
	return u, true
}

type walletErrorJSON struct {
	errorJSON
	Details *ledger.Detail `json:"details,omitempty"`
}

// writeWalletError writes err like writeError, with a refusal's details.
func writeWalletError(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	var d *ledger.Detail
	if !errors.As(e.Err, &d) || d == nil {
		writeError(w, r, err)
		return
	}
	body := walletErrorJSON{errorJSON{Code: e.Code, Message: e.Message.In(i18n.Parse(r.Header.Get("Accept-Language"))), Field: e.Field,
		RequestID: httpx.RequestID(r.Context())}, d}
	writeJSON(w, httpx.Status(e.Kind), map[string]any{"error": body})
}

type txView struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Asset      string    `json:"asset"`
	Amount     string    `json:"amount"`
	From       string    `json:"from_user_id,omitempty"`
	To         string    `json:"to_user_id,omitempty"`
	Memo       string    `json:"memo,omitempty"`
	Reference  string    `json:"reference,omitempty"`
	RequestRef string    `json:"payment_request,omitempty"`
	HoldID     string    `json:"withdrawal_id,omitempty"`
	ReversalOf string    `json:"reversal_of,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func (a *API) asset(code string) ledger.Asset {
	as, err := a.Wallet.Assets().Get(code)
	if err != nil { // an asset since removed from the configuration: show smallest units as they are
		return ledger.Asset{Code: code}
	}
	return as
}

func (a *API) txView(t *ledger.Transaction) *txView {
	if t == nil {
		return nil
	}
	return &txView{ID: t.ID, Type: t.Type, Asset: t.Asset, Amount: ledger.FormatAmount(a.asset(t.Asset), t.Amount), From: t.From, To: t.To,
		Memo: t.Memo, Reference: t.Reference, RequestRef: t.RequestRef, HoldID: t.HoldID, ReversalOf: t.ReversalOf, Reason: t.Reason,
		CreatedAt: t.CreatedAt}
}

type holdView struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Asset       string    `json:"asset"`
	Amount      string    `json:"amount"`
	Captured    string    `json:"captured,omitempty"`
	Status      string    `json:"status"`
	Destination string    `json:"destination"`
	TxID        string    `json:"transaction_id,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (a *API) holdView(h *ledger.Hold) *holdView {
	if h == nil {
		return nil
	}
	as := a.asset(h.Asset)
	v := &holdView{ID: h.ID, UserID: h.UserID, Asset: h.Asset, Amount: ledger.FormatAmount(as, h.Amount), Status: h.Status,
		Destination: h.Destination, TxID: h.TxID, ExpiresAt: h.ExpiresAt, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
	if h.Status == ledger.HoldCaptured {
		v.Captured = ledger.FormatAmount(as, h.Captured)
	}
	return v
}

func (a *API) writeResult(w http.ResponseWriter, r *http.Request, res *ledger.Result, err error) {
	if err != nil {
		writeWalletError(w, r, err)
		return
	}
	out := map[string]any{"replayed": res.Replayed}
	if res.Tx != nil {
		out["transaction"] = a.txView(res.Tx)
	}
	if res.Hold != nil {
		out["withdrawal"] = a.holdView(res.Hold)
	}
	writeJSON(w, http.StatusCreated, out)
}

type depositRequest struct {
	UserID    string `json:"user_id"`
	Asset     string `json:"asset"`
	Amount    string `json:"amount"`
	Reference string `json:"reference"`
}

func (a *API) walletDeposit(w http.ResponseWriter, r *http.Request) {
	actor, ok := a.walletAdmin(w, r, ScopeWalletDeposit)
	if !ok {
		return
	}
	var in depositRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.Deposit(r.Context(), ledger.DepositInput{UserID: in.UserID, Asset: in.Asset, Amount: in.Amount,
		Source: walletSource(actor), Reference: in.Reference, Actor: actor, IdemKey: key})
	a.writeResult(w, r, res, err)
}

// walletSource is the deposit source of an actor: references are unique
// per payment system (an API key), and all admins share "admin".
func walletSource(actor string) string {
	if len(actor) > 6 && actor[:6] == "admin:" {
		return "admin"
	}
	return actor
}

type transferRequest struct {
	To              string `json:"to"`
	Asset           string `json:"asset"`
	Amount          string `json:"amount"`
	Memo            string `json:"memo"`
	PaymentPassword string `json:"payment_password"`
}

func (a *API) walletTransfer(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	var in transferRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.Transfer(r.Context(), ledger.TransferInput{From: u.ID, To: in.To, Asset: in.Asset, Amount: in.Amount,
		Memo: in.Memo, PaymentPassword: in.PaymentPassword, IdemKey: key})
	a.writeResult(w, r, res, err)
}

type withdrawRequest struct {
	Asset           string `json:"asset"`
	Amount          string `json:"amount"`
	Destination     string `json:"destination"`
	PaymentPassword string `json:"payment_password"`
	TOTPCode        string `json:"totp_code"` // above the operator's amount (--withdrawal-totp-above)
}

func (a *API) walletWithdraw(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	var in withdrawRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.Withdraw(r.Context(), ledger.WithdrawInput{UserID: u.ID, Asset: in.Asset, Amount: in.Amount,
		Destination: in.Destination, PaymentPassword: in.PaymentPassword, TOTPCode: in.TOTPCode, IdemKey: key})
	a.writeResult(w, r, res, err)
}

func (a *API) walletWithdrawals(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	list, err := a.Wallet.Withdrawals(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]*holdView, 0, len(list))
	for i := range list {
		out = append(out, a.holdView(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"withdrawals": out})
}

type amountReason struct {
	Amount string `json:"amount"`
	Reason string `json:"reason"`
}

// optionalBody decodes a JSON body when there is one.
func optionalBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(w, r, dst)
}

func (a *API) walletComplete(w http.ResponseWriter, r *http.Request) {
	actor, ok := a.walletAdmin(w, r, ScopeWalletWithdrawals)
	if !ok {
		return
	}
	var in amountReason
	if err := optionalBody(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.CompleteWithdrawal(r.Context(), r.PathValue("id"), in.Amount, actor, key)
	a.writeResult(w, r, res, err)
}

func (a *API) walletCancel(w http.ResponseWriter, r *http.Request) {
	actor, ok := a.walletAdmin(w, r, ScopeWalletWithdrawals)
	if !ok {
		return
	}
	var in amountReason
	if err := optionalBody(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.CancelWithdrawal(r.Context(), r.PathValue("id"), in.Reason, actor, key)
	a.writeResult(w, r, res, err)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (a *API) walletReverse(w http.ResponseWriter, r *http.Request) {
	actor, ok := a.walletAdmin(w, r, ScopeWalletAdmin)
	if !ok {
		return
	}
	var in reasonRequest
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	key, err := idemKey(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := a.Wallet.Reverse(r.Context(), r.PathValue("id"), in.Reason, actor, key)
	a.writeResult(w, r, res, err)
}

func (a *API) walletFreeze(frozen bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, ok := a.walletAdmin(w, r, ScopeWalletAdmin)
		if !ok {
			return
		}
		var in reasonRequest
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, err)
			return
		}
		if _, err := idemKey(r); err != nil { // setting a state is idempotent by nature
			writeError(w, r, err)
			return
		}
		if !frozen && a.Review != nil {
			// Unfreezing needs a second person (four eyes): the first
			// admin proposes, another one confirms.
			_, u := current(r)
			o, err := a.Review.WalletAction(r.Context(), u.ID, r.PathValue("id"), "unfreeze", in.Reason)
			if err != nil {
				writeError(w, r, err)
				return
			}
			if o.Waiting {
				writeJSON(w, http.StatusAccepted, map[string]any{"status": "waiting_second_reviewer", "proposal": o.Proposal})
				return
			}
			f, err := a.Wallet.Frozen(r.Context(), r.PathValue("id"))
			if err != nil {
				writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"wallet": f})
			return
		}
		set := a.Wallet.Unfreeze
		if frozen {
			set = a.Wallet.Freeze
		}
		f, err := set(r.Context(), r.PathValue("id"), in.Reason, actor, httpx.RequestID(r.Context()))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if frozen && a.Review != nil {
			// An unfreeze proposed before this freeze is not about it.
			if err := a.Review.WalletFrozen(r.Context(), r.PathValue("id")); err != nil {
				writeError(w, r, err)
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"wallet": f})
	}
}

type balanceView struct {
	Asset     string `json:"asset"`
	Balance   string `json:"balance"`
	Held      string `json:"held"`
	Available string `json:"available"`
}

func (a *API) walletBalances(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	bs, err := a.Wallet.Balances(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]balanceView, 0, len(bs))
	for _, b := range bs {
		as := a.asset(b.Asset)
		out = append(out, balanceView{b.Asset, ledger.FormatAmount(as, b.Balance), ledger.FormatAmount(as, b.Held), ledger.FormatAmount(as, b.Available)})
	}
	f, err := a.Wallet.Frozen(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"balances": out, "frozen": f.Frozen})
}

type entryView struct {
	TxID         string    `json:"transaction_id"`
	Type         string    `json:"type"`
	Asset        string    `json:"asset"`
	Amount       string    `json:"amount"`
	Counterparty string    `json:"counterparty_user_id,omitempty"`
	Memo         string    `json:"memo,omitempty"`
	ReversalOf   string    `json:"reversal_of,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

var errBadTime = errs.New(errs.Invalid, "TIME_INVALID", "Write times as RFC 3339 (2026-12-03T08:00:00Z) or dates as 2026-12-03.",
	"时间格式应为 RFC 3339（2026-12-03T08:00:00Z）或日期 2026-12-03。")

// parseWhen reads an RFC 3339 time or a date (midnight in loc).
func parseWhen(v, field string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, errBadTime.OnField(field)
}

func (a *API) walletTransactions(w http.ResponseWriter, r *http.Request) {
	u, ok := a.walletUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := ledger.TxFilter{Asset: q.Get("asset"), Type: q.Get("type"), Cursor: q.Get("cursor")}
	var err error
	if f.From, err = parseWhen(q.Get("from"), "from", a.Wallet.Location()); err != nil {
		writeError(w, r, err)
		return
	}
	if f.To, err = parseWhen(q.Get("to"), "to", a.Wallet.Location()); err != nil {
		writeError(w, r, err)
		return
	}
	if l := q.Get("limit"); l != "" {
		n := 0
		for _, c := range l {
			if c < '0' || c > '9' || n > 1000 {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n <= 0 {
			n = -1
		}
		f.Limit = n
	}
	list, next, err := a.Wallet.Transactions(r.Context(), u.ID, f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]entryView, 0, len(list))
	for _, e := range list {
		out = append(out, entryView{TxID: e.TxID, Type: e.Type, Asset: e.Asset, Amount: ledger.FormatAmount(a.asset(e.Asset), e.Amount),
			Counterparty: e.Counterparty, Memo: e.Memo, ReversalOf: e.ReversalOf, CreatedAt: e.CreatedAt})
	}
	body := map[string]any{"transactions": out}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}
