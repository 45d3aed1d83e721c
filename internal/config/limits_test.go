package config

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLimitsDefaultsAndOverrides(t *testing.T) {
	c, err := Load("serve", []string{"--data", "/srv/vw"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != filepath.Join("/srv/vw", "keys.json") || c.SMSPerPhoneMinute != 1 || c.SMSPerPhoneHour != 5 || c.SMSPerPhoneDay != 10 ||
		c.SMSPerUserDay != 10 || c.SMSPerClientHour != 20 || c.DocumentQuota != 50 || c.DocumentQuotaBytes != 200<<20 ||
		c.RefusedDocumentTTL != 24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Load("serve", []string{"--key-file", "/etc/veriwallet/keys.json", "--sms-per-phone-hour", "3", "--document-quota", "0"},
		env(map[string]string{"VERIWALLET_SMS_PER_CLIENT_HOUR": "7", "VERIWALLET_DOCUMENT_QUOTA_BYTES": "1048576",
			"VERIWALLET_REFUSED_DOCUMENT_TTL": "2h", "VERIWALLET_KEY_FILE": "/ignored"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != "/etc/veriwallet/keys.json" || c.SMSPerPhoneHour != 3 || c.DocumentQuota != 0 || c.SMSPerClientHour != 7 ||
		c.DocumentQuotaBytes != 1<<20 || c.RefusedDocumentTTL != 2*time.Hour {
		t.Fatalf("overrides: %+v", c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"VERIWALLET_SMS_PER_USER_DAY": "-1"}, "sms-per-user-day"},
		{map[string]string{"VERIWALLET_SMS_PER_PHONE_DAY": "ten"}, "sms-per-phone-day"},
		{map[string]string{"VERIWALLET_DOCUMENT_QUOTA_BYTES": "1e9"}, "document-quota-bytes"},
		{map[string]string{"VERIWALLET_REFUSED_DOCUMENT_TTL": "1s"}, "refused-document-ttl"},
	} {
		if _, err := Load("serve", nil, env(tc.env), io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %s", tc.env, err, tc.want)
		}
	}
}
