package review

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestScore(t *testing.T) {
	r := DefaultRiskRules()
	r.HighRiskCountries = []string{"PRK"}
	for _, tc := range []struct {
		in      RiskInput
		level   string
		reasons []string
	}{
		{RiskInput{Nationality: "CHN", Level: "standard"}, RiskLow, []string{}},
		{RiskInput{Nationality: "prk", Level: "standard"}, RiskHigh, []string{"HIGH_RISK_COUNTRY:PRK"}},
		{RiskInput{Minor: true}, RiskMedium, []string{"MINOR"}},
		{RiskInput{Retries: 1, Reasons: []string{"NAME_MISMATCH"}}, RiskMedium, []string{"RETRY_HISTORY"}},
		{RiskInput{Retries: 1}, RiskLow, []string{}},
		{RiskInput{Reasons: []string{"DUPLICATE_IDENTITY"}}, RiskHigh, []string{"DUPLICATE_SIGNAL:DUPLICATE_IDENTITY"}},
		{RiskInput{ScreeningHits: 1, WalletAlerts: 2, Level: "enhanced"}, RiskHigh, []string{"SCREENING_HIT", "WALLET_ALERT", "LEVEL:enhanced"}},
	} {
		level, reasons := r.Score(tc.in)
		if level != tc.level || !slices.Equal(reasons, tc.reasons) {
			t.Errorf("Score(%+v) = %s %v, want %s %v", tc.in, level, reasons, tc.level, tc.reasons)
		}
	}
	if r.ReviewEvery(RiskHigh) != 1 || r.ReviewEvery(RiskMedium) != 2 || r.ReviewEvery(RiskLow) != 5 {
		t.Error("review periods")
	}
}

func TestLoadRiskRules(t *testing.T) {
	p := filepath.Join(t.TempDir(), "risk.json")
	os.WriteFile(p, []byte(`{"high_risk_countries":["irn"," prk"],"review_years":{"high":2},"edd_level":"enhanced"}`), 0o600)
	r, err := LoadRiskRules(p)
	if err != nil || !slices.Equal(r.HighRiskCountries, []string{"IRN", "PRK"}) || r.ReviewEvery(RiskHigh) != 2 || r.ReviewEvery(RiskLow) != 5 {
		t.Fatalf("%+v %v", r, err)
	}
	os.WriteFile(p, []byte(`{"review_years":{"extreme":1}}`), 0o600)
	if _, err := LoadRiskRules(p); err == nil {
		t.Fatal("unknown level accepted")
	}
	os.WriteFile(p, []byte(`{"high_risk_country":["IRN"]}`), 0o600)
	if _, err := LoadRiskRules(p); err == nil {
		t.Fatal("misspelt key accepted")
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ field, in, want string }{
		{"full_name", "张三丰", "张**"},
		{"id_number", "110105199003072311", "110*************11"},
		{"phone", "+8613800138000", "+86*********00"},
		{"birth_date", "1990-03-07", "1990******"},
		{"full_name", "", ""},
		{"id_number", "12", "1*"},
	} {
		if got := Mask(tc.field, tc.in); got != tc.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", tc.field, tc.in, got, tc.want)
		}
	}
}
