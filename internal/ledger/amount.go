package ledger

import (
	"sort"
	"strconv"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Asset is a currency or token the wallet holds, with the number of decimal
// places of its smallest unit (CNY 2: amounts are counted in fen).
type Asset struct {
	Code      string `json:"code"`
	Precision int    `json:"precision"`
}

// MaxPrecision is the most decimal places an asset may have.
const MaxPrecision = 12

// MaxAmount is the largest amount, in smallest units, accepted in one
// operation (10^15: a quadrillion fen leaves room to sum without overflow).
const MaxAmount int64 = 1_000_000_000_000_000

// Assets is the set of assets the wallet knows, by code.
type Assets map[string]Asset

// DefaultAssets returns the built-in assets: CNY 2, USD 2, USDT 6.
func DefaultAssets() Assets {
	return Assets{"CNY": {"CNY", 2}, "USD": {"USD", 2}, "USDT": {"USDT", 6}}
}

// ParseAssets reads an operator's asset list "CODE:precision,..." (for
// example "EUR:2,BTC:8") and adds it to the defaults.
// Errors: Invalid ASSET_CONFIG.
func ParseAssets(spec string) (Assets, error) {
	out := DefaultAssets()
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, p, ok := strings.Cut(part, ":")
		n, err := strconv.Atoi(p)
		code = strings.ToUpper(strings.TrimSpace(code))
		if !ok || err != nil || n < 0 || n > MaxPrecision || !validCode(code) {
			return nil, errs.New(errs.Invalid, "ASSET_CONFIG", "Assets are written CODE:precision, e.g. EUR:2 (precision 0 to 12).",
				"资产格式应为 代码:小数位，例如 EUR:2（小数位 0 到 12）。")
		}
		out[code] = Asset{code, n}
	}
	return out, nil
}

func validCode(c string) bool {
	if len(c) < 2 || len(c) > 12 {
		return false
	}
	for _, r := range c {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// Codes lists the asset codes in order.
func (as Assets) Codes() []string {
	out := make([]string, 0, len(as))
	for c := range as {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Get returns the asset with code (case-insensitive).
// Errors: Invalid ASSET_UNKNOWN.
func (as Assets) Get(code string) (Asset, error) {
	a, ok := as[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Asset{}, ErrAssetUnknown
	}
	return a, nil
}

// ParseAmount reads a positive decimal amount of asset a ("12.3", "12.30",
// "0.01") into smallest units. Never through floating point.
// Errors (all Invalid, field "amount"): AMOUNT_INVALID (not a plain decimal
// number), AMOUNT_PRECISION (more decimals than the asset has),
// AMOUNT_NOT_POSITIVE (zero or negative), AMOUNT_TOO_LARGE (over MaxAmount).
func ParseAmount(a Asset, s string) (int64, error) {
	if len(s) > 40 {
		return 0, ErrAmountTooLarge
	}
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || hasDot && frac == "" || whole == "" {
		return 0, ErrAmountInvalid
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > a.Precision {
		if neg {
			return 0, ErrAmountNotPositive
		}
		return 0, ErrAmountPrecision
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+a.Precision > 18 {
		if neg {
			return 0, ErrAmountNotPositive
		}
		return 0, ErrAmountTooLarge
	}
	var v int64
	for _, r := range whole + frac + strings.Repeat("0", a.Precision-len(frac)) {
		v = v*10 + int64(r-'0')
	}
	switch {
	case neg || v == 0:
		return 0, ErrAmountNotPositive
	case v > MaxAmount:
		return 0, ErrAmountTooLarge
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatAmount writes v smallest units of a as a decimal string with all
// of the asset's places ("12.30"); negative amounts get a leading "-".
func FormatAmount(a Asset, v int64) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u, 10)
	if a.Precision > 0 {
		if len(s) <= a.Precision {
			s = strings.Repeat("0", a.Precision-len(s)+1) + s
		}
		s = s[:len(s)-a.Precision] + "." + s[len(s)-a.Precision:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
