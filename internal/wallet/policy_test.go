package wallet

import (
	"context"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/verification"
)

type levelsOf map[string][]verification.Level

func (l levelsOf) ApprovedLevels(_ context.Context, u string) ([]verification.Level, error) {
	return l[u], nil
}

func TestPolicies(t *testing.T) {
	users := levelsOf{"basic": {"basic"}, "both": {"enhanced", "basic"}, "std": {"standard"}, "gone": {"retired"}}
	p, err := NewPolicies(users, verification.DefaultLevels(), ledger.DefaultAssets())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pol := func(u string) ledger.Policy {
		t.Helper()
		x, err := p.Policy(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	if x := pol("nobody"); x.Rank != 0 || x.Send.Allowed || x.Withdraw.Allowed || x.Send.Next != "basic" || x.Withdraw.Next != "standard" {
		t.Fatalf("unverified: %+v", x)
	}
	if x := pol("gone"); x.Rank != 0 {
		t.Fatalf("unknown level: %+v", x)
	}
	b := pol("basic")
	if b.Level != "basic" || b.Rank != 1 || !b.Send.Allowed || b.Withdraw.Allowed || b.Withdraw.Next != "standard" || b.Send.Next != "standard" {
		t.Fatalf("basic: %+v", b)
	}
	// Refusals name the next level as customers see it (its title).
	if b.Withdraw.NextTitle.ZH != "标准认证" || b.Withdraw.NextTitle.EN != "Standard" {
		t.Fatalf("basic: the next level's title is %+v", b.Withdraw.NextTitle)
	}
	if l := b.Send.Limits["CNY"]; l != (ledger.Limits{PerTx: 0, PerDay: 20000, PerMonth: 100000}) {
		t.Fatalf("basic CNY: %+v", l)
	}
	if l := b.Send.Limits["USDT"]; l.PerDay != 30_000000 {
		t.Fatalf("basic USDT: %+v", l)
	}
	if s := pol("std"); s.Send.Limits["CNY"] != (ledger.Limits{PerTx: 500000, PerDay: 2000000, PerMonth: 10000000}) || !s.Withdraw.Allowed || s.Send.Next != "enhanced" {
		t.Fatalf("standard: %+v", s)
	}
	if e := pol("both"); e.Level != "enhanced" || e.Rank != 3 || e.Withdraw.Limits["CNY"].PerMonth != 100000000 || e.Send.Next != "" {
		t.Fatalf("enhanced: %+v", e)
	}
	// An asset the wallet holds but a sending level does not list.
	assets := ledger.DefaultAssets()
	assets["EUR"] = ledger.Asset{Code: "EUR", Precision: 2}
	if _, err := NewPolicies(users, verification.DefaultLevels(), assets); !errs.Is(err, "LEVELS_INVALID") {
		t.Fatalf("unlisted asset: %v", err)
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"李雷": "李*", "张小明": "张**", "欧阳娜娜": "欧***", "John Smith": "J*** S****", "maria de souza": "M**** D* S****", "": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}
