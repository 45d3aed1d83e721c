package config

import (
	"io"
	"testing"
	"time"
)

func TestWalletSettings(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil || c.WalletAssets != "" || c.WithdrawalHoldTTL != 168*time.Hour {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	c, err = Load("serve", []string{"--wallet-assets", "EUR:2, BTC:8", "--withdrawal-hold-ttl", "72h"}, env(nil), io.Discard)
	if err != nil || c.WalletAssets != "EUR:2, BTC:8" || c.WithdrawalHoldTTL != 72*time.Hour {
		t.Fatalf("set: %v %+v", err, c)
	}
	for _, bad := range [][]string{{"--wallet-assets", "EUR"}, {"--wallet-assets", "EUR:13"}, {"--withdrawal-hold-ttl", "1s"}} {
		if _, err := Load("serve", bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
