package wallet

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
)

// PaymentRequest is a receive code (收款码): a request for money that
// another customer pays through its link /pay/{code} or its QR code.
type PaymentRequest struct {
	Code   string `json:"code"`
	UserID string `json:"payee_user_id"`
	Asset  string `json:"asset"`
	// Amount is a fixed decimal amount; "" lets the payer choose.
	Amount     string    `json:"amount,omitempty"`
	Memo       string    `json:"memo,omitempty"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	PayeeName  string    `json:"payee_masked_name,omitempty"`
	Path       string    `json:"path"` // /pay/{code}
	Expired    bool      `json:"expired"`
	PayeeIsYou bool      `json:"payee_is_you,omitempty"`
}

// RequestStore keeps payment requests. sqlstore implements it.
type RequestStore interface {
	CreatePaymentRequest(ctx context.Context, r *PaymentRequest) error
	// PaymentRequest returns a request. Errors: NotFound PAYMENT_REQUEST_NOT_FOUND.
	PaymentRequest(ctx context.Context, code string) (*PaymentRequest, error)
}

// Transferrer moves money between customers (*ledger.Service).
type Transferrer interface {
	Transfer(ctx context.Context, in ledger.TransferInput) (*ledger.Result, error)
}

// PaymentRequests creates receive codes and pays them through the ledger's
// transfer (so the payer's payment password, level, limits and balance are
// checked there, and the payment is idempotent by its key).
type PaymentRequests struct {
	Store    RequestStore
	Ledger   Transferrer
	Verified *Verified
	Assets   ledger.Assets
	Now      func() time.Time
	// MaxTTL is the longest expiry (0: 30 days).
	MaxTTL time.Duration
}

// RequestInput is what a payee asks for.
type RequestInput struct {
	Asset  string `json:"asset"`
	Amount string `json:"amount"` // optional: "" lets the payer choose
	Memo   string `json:"memo"`
	// ExpiresInMinutes: 0 means the longest allowed.
	ExpiresInMinutes int `json:"expires_in_minutes"`
}

func (s *PaymentRequests) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// ErrRequestNotFound answers an unknown receive code.
var ErrRequestNotFound = errs.New(errs.NotFound, "PAYMENT_REQUEST_NOT_FOUND", "There is no such payment request.", "收款码不存在。")

var (
	errRequestExpired = errs.New(errs.Conflict, "PAYMENT_REQUEST_EXPIRED", "This payment request has expired: ask the payee for a new one.", "该收款码已过期，请向收款人索取新的收款码。")
	errAmountFixed    = errs.New(errs.Invalid, "AMOUNT_FIXED", "This payment request is for a fixed amount: leave the amount out or send exactly it.", "该收款码金额固定：请不填金额或填写相同金额。").OnField("amount")
	errExpiry         = errs.New(errs.Invalid, "EXPIRY_INVALID", "The expiry must be between 1 minute and 30 days.", "有效期须在 1 分钟到 30 天之间。").OnField("expires_in_minutes")
	errOwnRequest     = errs.New(errs.Invalid, "SELF_TRANSFER", "This is your own receive code.", "这是您自己的收款码。")
)

const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz" // no 0/o, 1/l/i

func newCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// Create makes a receive code for a verified customer.
// Errors: Permission VERIFICATION_REQUIRED; Invalid ASSET_UNKNOWN,
// AMOUNT_*, FIELD_TOO_LONG, EXPIRY_INVALID.
func (s *PaymentRequests) Create(ctx context.Context, userID string, in RequestInput) (*PaymentRequest, error) {
	a, err := s.Assets.Get(strings.ToUpper(strings.TrimSpace(in.Asset)))
	if err != nil {
		return nil, err
	}
	r := &PaymentRequest{UserID: userID, Asset: a.Code, CreatedAt: s.now()}
	if strings.TrimSpace(in.Amount) != "" {
		v, err := ledger.ParseAmount(a, strings.TrimSpace(in.Amount))
		if err != nil {
			return nil, err
		}
		r.Amount = ledger.FormatAmount(a, v)
	}
	r.Memo = strings.TrimSpace(in.Memo)
	if len([]rune(r.Memo)) > 140 {
		return nil, ledger.ErrFieldTooLong.OnField("memo")
	}
	// The memo goes into the payer's transfer, which refuses these: a code
	// with one could never be paid.
	if !utf8.ValidString(r.Memo) || strings.ContainsRune(r.Memo, 0) {
		return nil, errs.New(errs.Invalid, "INVALID_CHARACTERS", "The request contains characters that cannot be used.", "请求中含有无法使用的字符。").OnField("memo")
	}
	maxTTL := s.MaxTTL
	if maxTTL <= 0 {
		maxTTL = 30 * 24 * time.Hour
	}
	// Compared in minutes: a huge count times a minute overflows into range.
	if in.ExpiresInMinutes < 0 || int64(in.ExpiresInMinutes) > int64(maxTTL/time.Minute) {
		return nil, errExpiry
	}
	ttl := time.Duration(in.ExpiresInMinutes) * time.Minute
	if in.ExpiresInMinutes == 0 {
		ttl = maxTTL
	}
	if ttl < time.Minute || ttl > maxTTL {
		return nil, errExpiry
	}
	r.ExpiresAt = r.CreatedAt.Add(ttl)
	name, ok, err := s.Verified.MaskedName(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotVerified
	}
	r.Code = newCode()
	if err := s.Store.CreatePaymentRequest(ctx, r); err != nil {
		return nil, err
	}
	r.PayeeName, r.Path = name, "/pay/"+r.Code
	return r, nil
}

// Get returns a receive code with the payee's masked name, as a payer sees
// it (viewer is the logged-in customer). Errors: NotFound PAYMENT_REQUEST_NOT_FOUND.
func (s *PaymentRequests) Get(ctx context.Context, viewer, code string) (*PaymentRequest, error) {
	if len(code) == 0 || len(code) > 40 {
		return nil, ErrRequestNotFound
	}
	r, err := s.Store.PaymentRequest(ctx, code)
	if err != nil {
		return nil, err
	}
	r.PayeeName, _, err = s.Verified.MaskedName(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	r.Path = "/pay/" + r.Code
	r.Expired = !r.ExpiresAt.IsZero() && !s.now().Before(r.ExpiresAt)
	r.PayeeIsYou = viewer == r.UserID
	return r, nil
}

// PayInput pays a receive code.
type PayInput struct {
	Payer           string
	Code            string
	Amount          string // required unless the request fixes it
	PaymentPassword string
	IdemKey         string
}

// Pay pays a receive code in one step through the ledger's transfer.
// Errors: NotFound PAYMENT_REQUEST_NOT_FOUND; Conflict
// PAYMENT_REQUEST_EXPIRED; Invalid AMOUNT_FIXED, SELF_TRANSFER; the
// ledger's Transfer errors.
func (s *PaymentRequests) Pay(ctx context.Context, in PayInput) (*ledger.Result, error) {
	r, err := s.Get(ctx, in.Payer, in.Code)
	if err != nil {
		return nil, err
	}
	if r.PayeeIsYou {
		return nil, errOwnRequest
	}
	if r.Expired {
		return nil, errRequestExpired
	}
	amount := strings.TrimSpace(in.Amount)
	if r.Amount != "" {
		if amount != "" {
			a, _ := s.Assets.Get(r.Asset)
			v, err := ledger.ParseAmount(a, amount)
			if err != nil {
				return nil, err
			}
			if ledger.FormatAmount(a, v) != r.Amount {
				return nil, errAmountFixed
			}
		}
		amount = r.Amount
	}
	return s.Ledger.Transfer(WithPayer(ctx, in.Payer), ledger.TransferInput{From: in.Payer, To: r.UserID, Asset: r.Asset,
		Amount: amount, Memo: r.Memo, PaymentPassword: in.PaymentPassword, RequestRef: r.Code, IdemKey: in.IdemKey})
}
