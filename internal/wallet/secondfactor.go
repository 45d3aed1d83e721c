package wallet

import (
	"context"
	"fmt"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
)

// TOTPChecker is what WithdrawalTOTP needs of accounts: whether a user has
// a second factor, and whether a code is good now.
type TOTPChecker interface {
	TOTPEnabled(ctx context.Context, userID string) (bool, error)
	VerifyTOTP(ctx context.Context, userID, code string) (bool, error)
}

// WithdrawalTOTP implements ledger.SecondFactors: a withdrawal above the
// operator's amount for its asset needs the customer's two-factor code. A
// wrong code counts as a wrong payment password (5 lock payments), so the
// code cannot be guessed through this path.
type WithdrawalTOTP struct {
	Accounts TOTPChecker
	PINs     *PaymentPasswords
	Above    map[string]int64 // asset → amount in smallest units above which a code is needed
}

// CheckWithdrawal implements ledger.SecondFactors. Errors: Permission
// WITHDRAWAL_TOTP_NOT_ENABLED, WITHDRAWAL_TOTP_REQUIRED, TOTP_INVALID;
// TooMany PAYMENT_PASSWORD_LOCKED.
func (w *WithdrawalTOTP) CheckWithdrawal(ctx context.Context, userID string, asset ledger.Asset, amount int64, code string) error {
	limit, ok := w.Above[asset.Code]
	if !ok || amount <= limit {
		return nil
	}
	shown := ledger.FormatAmount(asset, limit) + " " + asset.Code
	on, err := w.Accounts.TOTPEnabled(ctx, userID)
	if err != nil {
		return err
	}
	if !on {
		return errs.New(errs.Permission, "WITHDRAWAL_TOTP_NOT_ENABLED",
			"Withdrawals over "+shown+" need two-factor login: set it up on your account's security page, then try again.",
			"超过 "+shown+" 的提现需要两步验证：请先在账户安全页面开启，再重试。")
	}
	if strings.TrimSpace(code) == "" {
		return errs.New(errs.Permission, "WITHDRAWAL_TOTP_REQUIRED",
			"Withdrawals over "+shown+" need the 6-digit code from your authenticator app.",
			"超过 "+shown+" 的提现需要输入身份验证器中的 6 位验证码。").OnField("totp_code")
	}
	good, err := w.Accounts.VerifyTOTP(ctx, userID, code)
	if err != nil {
		return err
	}
	if good {
		return nil
	}
	if w.PINs != nil {
		if err := w.PINs.RecordFailure(ctx, userID); err != nil {
			return err
		}
	}
	return errs.New(errs.Permission, "TOTP_INVALID", "The two-factor code is wrong or has expired.",
		"两步验证码错误或已过期。").OnField("totp_code")
}

// ParseWithdrawalTOTP reads "CNY:10000,USD:1500" (amounts as decimal text)
// against the wallet's assets. "" or "off" turns the rule off.
// Errors: Invalid WITHDRAWAL_TOTP_INVALID.
func ParseWithdrawalTOTP(s string, assets ledger.Assets) (map[string]int64, error) {
	out := map[string]int64{}
	s = strings.TrimSpace(s)
	if s == "" || s == "off" {
		return out, nil
	}
	bad := func(detail string) error {
		return errs.New(errs.Invalid, "WITHDRAWAL_TOTP_INVALID", "withdrawal-totp-above: "+detail+" (write CODE:amount,…, e.g. CNY:10000).",
			"withdrawal-totp-above："+detail+"（格式 CODE:金额,…，例如 CNY:10000）。")
	}
	for part := range strings.SplitSeq(s, ",") {
		code, amount, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, bad(fmt.Sprintf("%q has no amount", part))
		}
		a, err := assets.Get(strings.ToUpper(strings.TrimSpace(code)))
		if err != nil {
			return nil, bad(fmt.Sprintf("unknown asset %q", code))
		}
		v, err := ledger.ParseAmount(a, strings.TrimSpace(amount))
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not an amount of %s", amount, a.Code))
		}
		out[a.Code] = v
	}
	return out, nil
}
