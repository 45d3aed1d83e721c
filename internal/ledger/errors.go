package ledger

import (
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Errors the ledger returns. Refusals that depend on the request (levels,
// limits) are built by LevelRequired and LimitExceeded.
var (
	ErrAssetUnknown      = errs.New(errs.Invalid, "ASSET_UNKNOWN", "This asset is not supported.", "不支持该币种。").OnField("asset")
	ErrAmountInvalid     = errs.New(errs.Invalid, "AMOUNT_INVALID", "Write the amount as a decimal number, e.g. \"12.30\".", "金额应为十进制数字，例如 \"12.30\"。").OnField("amount")
	ErrAmountPrecision   = errs.New(errs.Invalid, "AMOUNT_PRECISION", "The amount has more decimal places than this asset allows.", "金额的小数位数超过了该币种允许的位数。").OnField("amount")
	ErrAmountNotPositive = errs.New(errs.Invalid, "AMOUNT_NOT_POSITIVE", "The amount must be greater than zero.", "金额必须大于零。").OnField("amount")
	ErrAmountTooLarge    = errs.New(errs.Invalid, "AMOUNT_TOO_LARGE", "The amount is too large.", "金额过大。").OnField("amount")
	ErrPayeeRequired     = errs.New(errs.Invalid, "PAYEE_REQUIRED", "Say whom to pay.", "请填写收款人。").OnField("to")
	ErrPayeeNotFound     = errs.New(errs.NotFound, "PAYEE_NOT_FOUND", "There is no customer to pay by that e-mail address, mobile number or user ID. Check it with the payee (a mobile number works only if it is the one they log in with), or ask them for a receive code.",
		"找不到该收款人。请与对方核对邮箱、手机号或用户 ID（手机号须为对方登录用的手机号），或请对方出示收款码。").OnField("to")
	ErrSelfTransfer      = errs.New(errs.Invalid, "SELF_TRANSFER", "You cannot pay yourself.", "不能向自己转账。").OnField("to")
	ErrReferenceRequired = errs.New(errs.Invalid, "REFERENCE_REQUIRED", "A deposit needs the payment system's reference.", "入账需要填写支付系统的参考号。").OnField("reference")
	ErrFieldTooLong      = errs.New(errs.Invalid, "FIELD_TOO_LONG", "A field is too long.", "字段过长。")
	ErrDestinationNeeded = errs.New(errs.Invalid, "DESTINATION_REQUIRED", "Say where the money should go.", "请填写提现去向。").OnField("destination")

	ErrInsufficientFunds = errs.New(errs.Conflict, "INSUFFICIENT_FUNDS", "The available balance is not enough for this amount.", "可用余额不足。")
	ErrAccountFrozen     = errs.New(errs.Permission, "ACCOUNT_FROZEN", "This wallet is frozen: it can receive money but not send or withdraw. Contact support.", "该钱包已被冻结：可以收款，但不能付款或提现。请联系客服。")
	ErrIdempotencyReused = errs.New(errs.Conflict, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request.", "该 Idempotency-Key 已用于另一个请求。")
	ErrTxNotFound        = errs.New(errs.NotFound, "TRANSACTION_NOT_FOUND", "No such transaction.", "交易不存在。")
	ErrHoldNotFound      = errs.New(errs.NotFound, "WITHDRAWAL_NOT_FOUND", "No such withdrawal.", "提现记录不存在。")
	ErrHoldNotOpen       = errs.New(errs.Conflict, "WITHDRAWAL_NOT_OPEN", "This withdrawal is already completed, cancelled or expired.", "该提现已完成、取消或过期。")
	ErrCaptureTooLarge   = errs.New(errs.Invalid, "CAPTURE_EXCEEDS_HOLD", "More than the amount held cannot be captured.", "扣款金额不能超过冻结金额。").OnField("amount")
	ErrAlreadyReversed   = errs.New(errs.Conflict, "ALREADY_REVERSED", "This transaction has been reversed already.", "该交易已被冲正。")
	ErrNotReversible     = errs.New(errs.Conflict, "NOT_REVERSIBLE", "A reversal cannot itself be reversed.", "冲正交易不能再冲正。")
	ErrReasonRequired    = errs.New(errs.Invalid, "REASON_REQUIRED", "Give a reason.", "请填写原因。").OnField("reason")
	ErrUnavailable       = errs.New(errs.Unavailable, "WALLET_UNAVAILABLE", "The wallet is not available right now. Please try again.", "钱包暂时不可用，请稍后重试。")
)

// LevelRequired refuses an operation the user's level does not allow;
// needed names the lowest level that would ("" when none does).
func LevelRequired(op, needed string) *errs.Error {
	return levelRequired(op, needed, i18n.Text{})
}

// levelName is how a refusal names a level: its title, or its name.
func levelName(name string, title i18n.Text) (en, zh string) {
	en, zh = name, "「"+name+"」认证"
	if title.EN != "" {
		en = title.EN
	}
	if title.ZH != "" {
		zh = "「" + title.ZH + "」"
	}
	return en, zh
}

// levelRequired is LevelRequired naming the level by its title.
func levelRequired(op, needed string, title i18n.Text) *errs.Error {
	opEN, opZH := "send money", "付款"
	if op == "withdraw" {
		opEN, opZH = "withdraw", "提现"
	}
	if needed == "" {
		return errs.New(errs.Permission, "LEVEL_REQUIRED", "Your verification level does not allow you to "+opEN+".",
			"您的认证等级不允许"+opZH+"。").Wrap(&Detail{})
	}
	en, zh := levelName(needed, title)
	e := errs.New(errs.Permission, "LEVEL_REQUIRED",
		"To "+opEN+", complete the "+en+" verification first: /verify",
		"请先完成"+zh+"后再"+opZH+"：/verify")
	return e.Wrap(&Detail{Level: needed, Link: "/verify"})
}

// Detail is the machine-readable part of a LEVEL_REQUIRED or
// LIMIT_EXCEEDED refusal, attached as the error's cause: the API shows it
// beside the code.
type Detail struct {
	Window    string `json:"window,omitempty"`    // per_tx, per_day, per_month
	Remaining string `json:"remaining,omitempty"` // decimal, in Asset
	Asset     string `json:"asset,omitempty"`
	Level     string `json:"level,omitempty"` // the level that would allow it
	Link      string `json:"link,omitempty"`
}

// Error implements error (the detail travels as an error's cause).
func (d *Detail) Error() string {
	return "refusal detail: " + d.Window + " " + d.Remaining + " " + d.Level
}

// LimitExceeded refuses an amount over a limit: window is "per_tx",
// "per_day" or "per_month", remaining what is left in it (smallest units,
// formatted with a), next the level with higher limits ("" if none).
func LimitExceeded(a Asset, op, window string, remaining int64, next string) *errs.Error {
	return limitExceeded(a, op, window, remaining, next, i18n.Text{})
}

// limitExceeded is LimitExceeded naming the next level by its title.
func limitExceeded(a Asset, op, window string, remaining int64, next string, title i18n.Text) *errs.Error {
	w := map[string][2]string{"per_tx": {"per transaction", "单笔"}, "per_day": {"today", "今日"}, "per_month": {"this month", "本月"}}[window]
	opEN, opZH := "send", "付款"
	if op == "withdraw" {
		opEN, opZH = "withdraw", "提现"
	}
	rem := FormatAmount(a, max(remaining, 0)) + " " + a.Code
	en := "This is over your limit to " + opEN + " " + w[0] + ": " + rem + " left."
	zh := w[1] + opZH + "限额不足：剩余 " + rem + "。"
	if window == "per_tx" {
		en = "This is over your limit to " + opEN + " per transaction: at most " + rem + "."
		zh = "超过单笔" + opZH + "限额：最多 " + rem + "。"
	}
	if next != "" {
		nen, nzh := levelName(next, title)
		en += " The " + nen + " verification raises it: /verify"
		zh += "完成" + nzh + "可提高限额：/verify"
	}
	d := &Detail{Window: window, Remaining: FormatAmount(a, max(remaining, 0)), Asset: a.Code, Level: next}
	if next != "" {
		d.Link = "/verify"
	}
	return &errs.Error{Kind: errs.Permission, Code: "LIMIT_EXCEEDED", Message: i18n.T(en, zh), Err: d}
}
