package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// loadLimits reads the abuse limits and the keyring path (issue 11's
// settings, kept apart from the others).
func (c *Config) loadLimits(str func(flagName, def string) string) error {
	c.KeyFile = str("key-file", filepath.Join(c.DataDir, "keys.json"))
	ints := []struct {
		flag, def string
		dst       *int
	}{
		{"sms-per-phone-minute", "1", &c.SMSPerPhoneMinute},
		{"sms-per-phone-hour", "5", &c.SMSPerPhoneHour},
		{"sms-per-phone-day", "10", &c.SMSPerPhoneDay},
		{"sms-per-user-day", "10", &c.SMSPerUserDay},
		{"sms-per-client-hour", "20", &c.SMSPerClientHour},
		{"document-quota", "50", &c.DocumentQuota},
	}
	for _, i := range ints {
		n, err := strconv.Atoi(str(i.flag, i.def))
		if err != nil {
			return fmt.Errorf("%s: want a whole number", i.flag)
		}
		*i.dst = n
	}
	var err error
	if c.DocumentQuotaBytes, err = strconv.ParseInt(str("document-quota-bytes", "209715200"), 10, 64); err != nil {
		return errors.New("document-quota-bytes: want a whole number of bytes")
	}
	if c.RefusedDocumentTTL, err = time.ParseDuration(str("refused-document-ttl", "24h")); err != nil {
		return fmt.Errorf("refused-document-ttl: %w", err)
	}
	return nil
}

func (c *Config) validateLimits() error {
	for _, v := range []struct {
		name string
		n    int64
	}{
		{"sms-per-phone-minute", int64(c.SMSPerPhoneMinute)}, {"sms-per-phone-hour", int64(c.SMSPerPhoneHour)},
		{"sms-per-phone-day", int64(c.SMSPerPhoneDay)}, {"sms-per-user-day", int64(c.SMSPerUserDay)},
		{"sms-per-client-hour", int64(c.SMSPerClientHour)}, {"document-quota", int64(c.DocumentQuota)},
		{"document-quota-bytes", c.DocumentQuotaBytes},
	} {
		if v.n < 0 {
			return fmt.Errorf("%s: must not be negative (0 turns the limit off)", v.name)
		}
	}
	if c.RefusedDocumentTTL < time.Minute {
		return errors.New("refused-document-ttl: at least 1m")
	}
	if c.KeyFile == "" {
		return errors.New("key-file: must not be empty")
	}
	return nil
}
