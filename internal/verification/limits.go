package verification

import (
	"fmt"
	"strings"
)

// Window limits the amounts of one kind of operation (sending, withdrawing)
// in one asset, as decimal strings in the asset's unit ("200", "5000.50").
// An empty string sets no limit of that kind; amounts are positive (to
// forbid an operation, leave out its Window).
type Window struct {
	PerTransaction string `json:"per_transaction,omitempty"`
	PerDay         string `json:"per_day,omitempty"`
	PerMonth       string `json:"per_month,omitempty"`
}

// AssetLimits are a level's limits in one asset. A nil Send or Withdraw
// means the level may not send or withdraw that asset at all; receiving is
// never limited.
type AssetLimits struct {
	Send     *Window `json:"send,omitempty"`
	Withdraw *Window `json:"withdraw,omitempty"`
}

// LevelRank is the rank of a level: its position in the levels file (0 for
// the first; -1 for an unknown level or none).
func (ls Levels) LevelRank(name Level) int {
	for i, l := range ls.Levels {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// validDecimal reports whether s is a positive decimal number without
// sign or exponent (at most 18 digits before the point and 18 after).
func validDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 18 || len(frac) > 18 || (dot && frac == "") {
		return false
	}
	nonzero := false
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return false
		}
		nonzero = nonzero || c != '0'
	}
	return nonzero
}

// validLimits checks a level's limits: asset codes of 2 to 10 capital
// letters or digits, amounts as decimal strings.
func validLimits(path string, lim map[string]AssetLimits) error {
	for _, asset := range sortedKeys(lim) {
		if len(asset) < 2 || len(asset) > 10 || strings.Trim(asset, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return levelsInvalid(path+"."+asset, fmt.Sprintf("%q is not an asset code (2 to 10 capital letters or digits)", asset))
		}
		al := lim[asset]
		for _, w := range []struct {
			name string
			w    *Window
		}{{"send", al.Send}, {"withdraw", al.Withdraw}} {
			if w.w == nil {
				continue
			}
			for _, f := range []struct{ name, v string }{{"per_transaction", w.w.PerTransaction}, {"per_day", w.w.PerDay}, {"per_month", w.w.PerMonth}} {
				if f.v != "" && !validDecimal(f.v) {
					return levelsInvalid(path+"."+asset+"."+w.name+"."+f.name, fmt.Sprintf("%q is not a positive decimal amount such as \"200\" or \"5000.50\"", f.v))
				}
			}
		}
	}
	return nil
}

// defaultLimits are the built-in limits per level. CNY as issue 12 sets
// them; USD and USDT (a dollar stablecoin) at about a seventh of the CNY
// figures, rounded: basic 30 a day and 150 a month; standard 700 a
// transaction, 3,000 a day, 15,000 a month; enhanced ten times standard.
// Basic may not withdraw; unverified customers may only receive.
func defaultLimits() map[Level]map[string]AssetLimits {
	w := func(tx, day, month string) *Window { return &Window{PerTransaction: tx, PerDay: day, PerMonth: month} }
	basic := map[string]AssetLimits{
		"CNY":  {Send: w("", "200", "1000")},
		"USD":  {Send: w("", "30", "150")},
		"USDT": {Send: w("", "30", "150")},
	}
	standard := map[string]AssetLimits{
		"CNY":  {Send: w("5000", "20000", "100000"), Withdraw: w("5000", "20000", "100000")},
		"USD":  {Send: w("700", "3000", "15000"), Withdraw: w("700", "3000", "15000")},
		"USDT": {Send: w("700", "3000", "15000"), Withdraw: w("700", "3000", "15000")},
	}
	enhanced := map[string]AssetLimits{
		"CNY":  {Send: w("50000", "200000", "1000000"), Withdraw: w("50000", "200000", "1000000")},
		"USD":  {Send: w("7000", "30000", "150000"), Withdraw: w("7000", "30000", "150000")},
		"USDT": {Send: w("7000", "30000", "150000"), Withdraw: w("7000", "30000", "150000")},
	}
	return map[Level]map[string]AssetLimits{LevelBasic: basic, LevelStandard: standard, LevelEnhanced: enhanced}
}
