package wallet

import (
	"fmt"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

var amlT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// run feeds acts to the rules one by one, as the monitor does, and
// returns the alerts by rule (one per dedupe key).
func runRules(t *testing.T, acts []Activity) map[string][]Alert {
	t.Helper()
	r, err := DefaultAMLConfig().compile(ledger.DefaultAssets())
	if err != nil {
		t.Fatal(err)
	}
	var hist []Activity
	seen := map[string]bool{}
	out := map[string][]Alert{}
	for _, a := range acts {
		hist = append(hist, a)
		for _, al := range r.evaluate(a, hist) {
			if !seen[al.Dedupe] {
				seen[al.Dedupe] = true
				out[al.Rule] = append(out[al.Rule], al)
			}
		}
	}
	return out
}

func act(n int, dir string, yuan int64, cp string, at time.Duration) Activity {
	return Activity{UserID: "u", TxID: fmt.Sprintf("tx%03d", n), Kind: "transfer", Direction: dir, Asset: "CNY",
		Amount: yuan * 100, Counterparty: cp, At: amlT0.Add(at)}
}

func TestAMLRulesFire(t *testing.T) {
	for _, tc := range []struct {
		rule string
		acts []Activity
		figs map[string]any
	}{
		{RuleLarge, []Activity{act(1, "in", 60000, "", 0)}, map[string]any{"amount": int64(6000000), "threshold": int64(5000000)}},
		{RuleStructuring, []Activity{act(1, "out", 49000, "a", 0), act(2, "out", 48000, "b", 3*time.Hour), act(3, "out", 49900, "c", 20*time.Hour)},
			map[string]any{"count": 3}},
		{RulePassThrough, []Activity{act(1, "in", 20000, "x", 0), act(2, "out", 19000, "y", 30*time.Minute)}, map[string]any{"in": int64(2000000), "out": int64(1900000)}},
		{RuleVelocity, func() []Activity {
			var as []Activity
			for i := range 20 {
				as = append(as, act(i, "out", 10, "a", time.Duration(i)*2*time.Minute))
			}
			return as
		}(), map[string]any{"count": 20}},
		{RuleNewCounterparties, func() []Activity {
			var as []Activity
			for i := range 10 {
				as = append(as, act(i, "out", 10, fmt.Sprintf("p%d", i), time.Duration(i)*2*time.Hour))
			}
			return as
		}(), map[string]any{"new_counterparties": 10}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			got := runRules(t, tc.acts)
			if len(got[tc.rule]) != 1 {
				t.Fatalf("%s fired %d times: %+v", tc.rule, len(got[tc.rule]), got)
			}
			al := got[tc.rule][0]
			for k, v := range tc.figs {
				if fmt.Sprint(al.Figures[k]) != fmt.Sprint(v) {
					t.Errorf("figure %s = %v, want %v", k, al.Figures[k], v)
				}
			}
			if len(al.Transactions) == 0 || al.UserID != "u" {
				t.Errorf("alert %+v", al)
			}
		})
	}
}

func TestAMLRulesQuietOnNormalActivity(t *testing.T) {
	// A month of ordinary use: salary in, rent, a few payments to the same
	// friends and shops, a couple of bigger but not large transfers.
	var acts []Activity
	n := 0
	next := func(dir string, yuan int64, cp string, at time.Duration) {
		n++
		acts = append(acts, act(n, dir, yuan, cp, at))
	}
	friends := []string{"mom", "shop", "cafe", "landlord", "gym"}
	for day := range 30 {
		d := time.Duration(day) * 24 * time.Hour
		if day%15 == 0 {
			next("in", 15000, "employer", d)
			next("out", 4000, "landlord", d+3*24*time.Hour) // days later: not pass-through
		}
		for i := range 3 {
			next("out", int64(20+10*i), friends[(day+i)%len(friends)], d+time.Duration(8+4*i)*time.Hour)
		}
	}
	next("out", 30000, "mom", 29*24*time.Hour) // big, under the large threshold, not in the band
	if got := runRules(t, acts); len(got) != 0 {
		t.Fatalf("alerts on normal activity: %+v", got)
	}
	// Near misses: two (not three) under the threshold; 19 (not 20) quick
	// payments; 9 (not 10) new payees; money out only 70% of what came in.
	miss := []Activity{act(1, "out", 49000, "a", 0), act(2, "out", 49000, "b", time.Hour)}
	for i := range 19 {
		miss = append(miss, act(10+i, "out", 5, "a", 2*time.Hour+time.Duration(i)*time.Minute))
	}
	for i := range 7 {
		miss = append(miss, act(40+i, "out", 5, fmt.Sprintf("n%d", i), 30*time.Hour+time.Duration(i)*time.Hour))
	}
	miss = append(miss, act(60, "in", 20000, "x", 50*time.Hour), act(61, "out", 14000, "a", 50*time.Hour+10*time.Minute))
	if got := runRules(t, miss); len(got) != 0 {
		t.Fatalf("alerts on near misses: %+v", got)
	}
	// A busy shop pays out 25 times an hour, every hour, for a week: as
	// usual, so not sudden (only its first hours, from nothing, are).
	var shop []Activity
	n = 0
	for h := range 7 * 24 {
		for i := range 25 {
			n++
			shop = append(shop, act(n, "out", 5, "supplier", time.Duration(h)*time.Hour+time.Duration(i)*2*time.Minute))
		}
	}
	for _, al := range runRules(t, shop)[RuleVelocity] {
		if al.CreatedAt.After(amlT0.Add(2 * time.Hour)) {
			t.Fatalf("velocity fired on a steady shop after its first hours: %+v", al)
		}
	}
}

func TestWalletWebhookEventsKnown(t *testing.T) {
	for _, e := range WebhookEvents {
		if !webhook.KnownEvent(e) {
			t.Errorf("webhook event %s is not known to internal/webhook", e)
		}
	}
}

func TestParseAMLConfig(t *testing.T) {
	c, err := ParseAMLConfig([]byte(`{"velocity_count": 5, "assets": {"CNY": {"large": "1000"}}}`), ledger.DefaultAssets())
	if err != nil {
		t.Fatal(err)
	}
	if c.VelocityCount != 5 || c.StructuringCount != 3 || c.Assets["CNY"].Large != "1000" || c.Assets["USD"].Large != "7000" {
		t.Fatalf("config: %+v", c)
	}
	for _, bad := range []string{`{"velocity": 5}`, `{"velocity_count": 1}`, `{"assets": {"CNY": {"large": "-3"}}}`,
		`{"structuring_margin": 1.5}`, `{"velocity_factor": 0.5}`, `{"lookback": "1h"}`, `not json`} {
		if _, err := ParseAMLConfig([]byte(bad), ledger.DefaultAssets()); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
