package wallet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// AML rule names (Alert.Rule).
const (
	RuleLarge             = "large_transaction"
	RuleStructuring       = "structuring"
	RulePassThrough       = "pass_through"
	RuleVelocity          = "velocity"
	RuleNewCounterparties = "new_counterparties"
)

// Activity is one movement of a customer's money as AML monitoring sees it.
type Activity struct {
	ID           int64     `json:"-"` // the store's row id
	UserID       string    `json:"user_id"`
	TxID         string    `json:"transaction_id"`
	Kind         string    `json:"type"`      // the ledger transaction type
	Direction    string    `json:"direction"` // "in" or "out"
	Asset        string    `json:"asset"`
	Amount       int64     `json:"amount"`
	Counterparty string    `json:"counterparty,omitempty"` // the other customer of a transfer
	At           time.Time `json:"at"`
}

// Alert is a rule that fired for a customer: the transactions and the
// figures that fired it, for a reviewer.
type Alert struct {
	ID           string         `json:"id"`
	UserID       string         `json:"user_id"`
	Rule         string         `json:"rule"`
	Transactions []string       `json:"transaction_ids"`
	Figures      map[string]any `json:"figures"`
	Status       string         `json:"status"`
	CreatedAt    time.Time      `json:"created_at"`
	// Dedupe makes the same finding one alert however often it is seen.
	Dedupe string `json:"-"`
}

// AssetThresholds are the amount thresholds of one asset, as decimal
// strings in the asset's unit.
type AssetThresholds struct {
	Large          string `json:"large"`            // one transaction this large or larger
	Reporting      string `json:"reporting"`        // the reporting threshold structuring stays under
	PassThroughMin string `json:"pass_through_min"` // money in at least this large, then out
}

// AMLConfig are the rules' thresholds. Durations are Go duration strings
// in JSON ("24h").
type AMLConfig struct {
	Assets map[string]AssetThresholds `json:"assets"`
	// Structuring: StructuringCount transactions (either direction) in
	// StructuringWindow, each within StructuringMargin (a fraction) below
	// the reporting threshold.
	StructuringCount  int                   `json:"structuring_count"`
	StructuringWindow verification.Duration `json:"structuring_window"`
	StructuringMargin float64               `json:"structuring_margin"`
	// Pass-through: money in, then at least PassThroughRatio of it out
	// within PassThroughWindow.
	PassThroughRatio  float64               `json:"pass_through_ratio"`
	PassThroughWindow verification.Duration `json:"pass_through_window"`
	// Velocity: VelocityCount payments out within VelocityWindow, and at
	// least VelocityFactor times the customer's average per window over
	// the Lookback before it (sudden: a customer who always pays this
	// often is not flagged).
	VelocityCount  int                   `json:"velocity_count"`
	VelocityWindow verification.Duration `json:"velocity_window"`
	VelocityFactor float64               `json:"velocity_factor"`
	// New counterparties: paying NewCounterparties people in
	// NewCounterpartyWindow never paid in the Lookback before it.
	NewCounterparties     int                   `json:"new_counterparties"`
	NewCounterpartyWindow verification.Duration `json:"new_counterparty_window"`
	Lookback              verification.Duration `json:"lookback"`
}

// DefaultAMLConfig: one transaction of 50,000 CNY (7,000 USD or USDT) or
// more; 3 transactions in 24 h each within 10% under the 50,000 CNY
// reporting threshold (the PBOC large-value cash report); 10,000 CNY or more
// in and 80% of it out within an hour; 20 payments out in an hour and five
// times the customer's hourly average of the 30 days before; 10 new payees
// in 24 h against the 30 days before.
func DefaultAMLConfig() AMLConfig {
	return AMLConfig{
		Assets: map[string]AssetThresholds{
			"CNY":  {Large: "50000", Reporting: "50000", PassThroughMin: "10000"},
			"USD":  {Large: "7000", Reporting: "7000", PassThroughMin: "1500"},
			"USDT": {Large: "7000", Reporting: "7000", PassThroughMin: "1500"},
		},
		StructuringCount: 3, StructuringWindow: verification.Duration(24 * time.Hour), StructuringMargin: 0.1,
		PassThroughRatio: 0.8, PassThroughWindow: verification.Duration(time.Hour),
		VelocityCount: 20, VelocityWindow: verification.Duration(time.Hour), VelocityFactor: 5,
		NewCounterparties: 10, NewCounterpartyWindow: verification.Duration(24 * time.Hour),
		Lookback: verification.Duration(30 * 24 * time.Hour),
	}
}

// ParseAMLConfig reads a JSON rules file over the defaults (an asset listed
// under "assets" replaces that asset's thresholds; other keys absent
// keep their default; unknown keys are an error) and checks it against
// the assets. Errors: Invalid AML_CONFIG_INVALID.
func ParseAMLConfig(data []byte, assets ledger.Assets) (AMLConfig, error) {
	c := DefaultAMLConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return AMLConfig{}, amlInvalid(err.Error())
	}
	if _, err := c.compile(assets); err != nil {
		return AMLConfig{}, err
	}
	return c, nil
}

func amlInvalid(detail string) error {
	return errs.New(errs.Invalid, "AML_CONFIG_INVALID", "The AML rules configuration is invalid: "+detail, "反洗钱规则配置无效："+detail)
}

// rules are the thresholds in smallest units.
type rules struct {
	AMLConfig
	large, reporting, passMin map[string]int64
}

func (c AMLConfig) compile(assets ledger.Assets) (*rules, error) {
	r := &rules{AMLConfig: c, large: map[string]int64{}, reporting: map[string]int64{}, passMin: map[string]int64{}}
	for code, th := range c.Assets {
		a, ok := assets[code]
		if !ok {
			continue // an asset the wallet does not hold: nothing to watch
		}
		for _, f := range []struct {
			name, v string
			dst     map[string]int64
		}{{"large", th.Large, r.large}, {"reporting", th.Reporting, r.reporting}, {"pass_through_min", th.PassThroughMin, r.passMin}} {
			if f.v == "" {
				continue
			}
			v, err := ledger.ParseAmount(a, f.v)
			if err != nil {
				return nil, amlInvalid(fmt.Sprintf("assets.%s.%s: %q is not a positive amount", code, f.name, f.v))
			}
			f.dst[code] = v
		}
	}
	switch {
	case c.StructuringCount < 2 || c.VelocityCount < 2 || c.NewCounterparties < 2:
		return nil, amlInvalid("counts must be at least 2")
	case !(c.StructuringMargin > 0 && c.StructuringMargin < 1) || !(c.PassThroughRatio > 0 && c.PassThroughRatio <= 1):
		return nil, amlInvalid("structuring_margin must be in (0, 1) and pass_through_ratio in (0, 1]")
	case !(c.VelocityFactor >= 1):
		return nil, amlInvalid("velocity_factor must be at least 1")
	case c.StructuringWindow <= 0 || c.PassThroughWindow <= 0 || c.VelocityWindow <= 0 || c.NewCounterpartyWindow <= 0 || c.Lookback < c.NewCounterpartyWindow:
		return nil, amlInvalid("windows must be positive and lookback at least new_counterparty_window")
	}
	return r, nil
}

// history is how far back the rules look.
func (r *rules) history() time.Duration {
	return time.Duration(max(r.StructuringWindow, r.PassThroughWindow, r.VelocityWindow, r.Lookback))
}

func bucket(at time.Time, w verification.Duration) string {
	return strconv.FormatInt(at.UnixNano()/int64(w), 10)
}

// evaluate runs every rule for one new movement against the customer's
// history (which includes it), oldest first.
func (r *rules) evaluate(trigger Activity, hist []Activity) []Alert {
	var out []Alert
	alert := func(rule, dedupe string, txs []string, figures map[string]any) {
		slices.Sort(txs)
		txs = slices.Compact(txs)
		out = append(out, Alert{UserID: trigger.UserID, Rule: rule, Transactions: txs, Figures: figures, Status: "open",
			CreatedAt: trigger.At, Dedupe: rule + ":" + dedupe})
	}
	within := func(w verification.Duration, f func(Activity) bool) []Activity {
		var sel []Activity
		from := trigger.At.Add(-time.Duration(w))
		for _, h := range hist {
			if h.At.After(from) && !h.At.After(trigger.At) && f(h) {
				sel = append(sel, h)
			}
		}
		return sel
	}
	ids := func(as []Activity) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.TxID
		}
		return out
	}
	asset := trigger.Asset
	if lim, ok := r.large[asset]; ok && trigger.Amount >= lim {
		alert(RuleLarge, trigger.TxID+":"+trigger.Direction+":"+trigger.UserID, []string{trigger.TxID},
			map[string]any{"asset": asset, "amount": trigger.Amount, "threshold": lim, "direction": trigger.Direction})
	}
	if rep, ok := r.reporting[asset]; ok {
		low := rep - int64(float64(rep)*r.StructuringMargin)
		band := func(a Activity) bool { return a.Asset == asset && a.Amount >= low && a.Amount < rep }
		if band(trigger) {
			if sel := within(r.StructuringWindow, band); len(sel) >= r.StructuringCount {
				alert(RuleStructuring, trigger.UserID+":"+bucket(trigger.At, r.StructuringWindow), ids(sel),
					map[string]any{"asset": asset, "count": len(sel), "band_from": low, "threshold": rep,
						"window": time.Duration(r.StructuringWindow).String()})
			}
		}
	}
	if trigger.Direction != "out" {
		return out
	}
	if minIn, ok := r.passMin[asset]; ok {
		ins := within(r.PassThroughWindow, func(a Activity) bool {
			return a.Direction == "in" && a.Asset == asset && a.Amount >= minIn && a.TxID != trigger.TxID
		})
		for _, in := range ins {
			if float64(trigger.Amount) >= r.PassThroughRatio*float64(in.Amount) {
				alert(RulePassThrough, trigger.TxID+":"+trigger.UserID, []string{in.TxID, trigger.TxID},
					map[string]any{"asset": asset, "in": in.Amount, "out": trigger.Amount, "minutes_between": int(trigger.At.Sub(in.At).Minutes()),
						"ratio": float64(trigger.Amount) / float64(in.Amount)})
				break
			}
		}
	}
	outs := within(r.VelocityWindow, func(a Activity) bool { return a.Direction == "out" })
	if len(outs) >= r.VelocityCount {
		winStart := trigger.At.Add(-time.Duration(r.VelocityWindow))
		// The usual rate: payments out per window over the part of the
		// lookback the customer was active in (a new customer has none).
		prior := 0
		first := winStart
		for _, h := range hist {
			if h.Direction == "out" && !h.At.After(winStart) && h.At.After(trigger.At.Add(-time.Duration(r.Lookback))) {
				prior++
				if h.At.Before(first) {
					first = h.At
				}
			}
		}
		avg := float64(prior) / max(1, float64(winStart.Sub(first))/float64(r.VelocityWindow))
		if float64(len(outs)) >= r.VelocityFactor*avg {
			alert(RuleVelocity, trigger.UserID+":"+bucket(trigger.At, r.VelocityWindow), ids(outs),
				map[string]any{"count": len(outs), "window": time.Duration(r.VelocityWindow).String(), "usual_per_window": avg})
		}
	}
	if trigger.Counterparty != "" {
		winStart := trigger.At.Add(-time.Duration(r.NewCounterpartyWindow))
		old := map[string]bool{}
		for _, h := range hist {
			if h.Counterparty != "" && !h.At.After(winStart) && h.At.After(trigger.At.Add(-time.Duration(r.Lookback))) {
				old[h.Counterparty] = true
			}
		}
		fresh := map[string]bool{}
		var txs []string
		for _, h := range within(r.NewCounterpartyWindow, func(a Activity) bool { return a.Direction == "out" && a.Counterparty != "" }) {
			if !old[h.Counterparty] {
				fresh[h.Counterparty] = true
				txs = append(txs, h.TxID)
			}
		}
		if len(fresh) >= r.NewCounterparties {
			alert(RuleNewCounterparties, trigger.UserID+":"+bucket(trigger.At, r.NewCounterpartyWindow), txs,
				map[string]any{"new_counterparties": len(fresh), "window": time.Duration(r.NewCounterpartyWindow).String(),
					"lookback": time.Duration(r.Lookback).String()})
		}
	}
	return out
}
