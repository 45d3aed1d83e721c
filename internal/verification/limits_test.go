package verification

import (
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestDefaultLimits(t *testing.T) {
	ls := DefaultLevels()
	if ls.LevelRank(LevelBasic) != 0 || ls.LevelRank(LevelStandard) != 1 || ls.LevelRank(LevelEnhanced) != 2 || ls.LevelRank("") != -1 {
		t.Fatalf("ranks: %d %d %d", ls.LevelRank(LevelBasic), ls.LevelRank(LevelStandard), ls.LevelRank(LevelEnhanced))
	}
	basic, _ := ls.Level(LevelBasic)
	if w := basic.Limits["CNY"].Send; w == nil || w.PerDay != "200" || w.PerMonth != "1000" || w.PerTransaction != "" {
		t.Fatalf("basic CNY send = %+v", w)
	}
	if basic.Limits["CNY"].Withdraw != nil {
		t.Fatal("basic may withdraw")
	}
	std, _ := ls.Level(LevelStandard)
	enh, _ := ls.Level(LevelEnhanced)
	if s := std.Limits["CNY"].Send; s.PerTransaction != "5000" || s.PerDay != "20000" || s.PerMonth != "100000" {
		t.Fatalf("standard = %+v", s)
	}
	if e := enh.Limits["CNY"].Withdraw; e.PerTransaction != "50000" || e.PerDay != "200000" || e.PerMonth != "1000000" {
		t.Fatalf("enhanced = %+v", e)
	}
}

func TestLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lim   map[string]AssetLimits
		field string
	}{
		{"negative", map[string]AssetLimits{"CNY": {Send: &Window{PerDay: "-1"}}}, "levels[0].limits.CNY.send.per_day"},
		{"float", map[string]AssetLimits{"CNY": {Withdraw: &Window{PerMonth: "1e5"}}}, "levels[0].limits.CNY.withdraw.per_month"},
		{"dot", map[string]AssetLimits{"CNY": {Send: &Window{PerTransaction: "5."}}}, "levels[0].limits.CNY.send.per_transaction"},
		{"zero", map[string]AssetLimits{"CNY": {Send: &Window{PerDay: "0.00"}}}, "levels[0].limits.CNY.send.per_day"},
		{"asset", map[string]AssetLimits{"cny": {}}, "levels[0].limits.cny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := DefaultLevels()
			ls.Levels[0].Limits = tc.lim
			err := ls.Validate()
			if err == nil || errs.As(err).Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
	ls := DefaultLevels()
	ls.Levels[0].Limits = map[string]AssetLimits{"CNY": {Send: &Window{PerDay: "200.50", PerMonth: "1000"}}}
	if err := ls.Validate(); err != nil {
		t.Fatal(err)
	}
}
