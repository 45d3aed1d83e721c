package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// loadWallet reads the wallet's settings (issue 12).
func (c *Config) loadWallet(str func(flag, def string) string) error {
	c.WalletAssets = str("wallet-assets", "")
	for part := range strings.SplitSeq(c.WalletAssets, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, n, ok := strings.Cut(part, ":")
		d, err := strconv.Atoi(n)
		if !ok || code == "" || err != nil || d < 0 || d > 12 {
			return fmt.Errorf("wallet-assets: %q: want CODE:decimals (0 to 12), e.g. EUR:2", part)
		}
	}
	c.WithdrawalTOTPAbove = str("withdrawal-totp-above", "CNY:10000,USD:1500,USDT:1500")
	var err error
	if c.WithdrawalHoldTTL, err = time.ParseDuration(str("withdrawal-hold-ttl", "168h")); err != nil {
		return fmt.Errorf("withdrawal-hold-ttl: %w", err)
	}
	if c.WithdrawalHoldTTL < time.Minute {
		return errors.New("withdrawal-hold-ttl: at least 1m")
	}
	return nil
}
