package document

import (
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// TestQuotaMessageNamesLimitsInForce: the message names only the limits in
// force, in MB without rounding a limit down to a smaller whole number.
func TestQuotaMessageNamesLimitsInForce(t *testing.T) {
	for _, c := range []struct {
		q       Quota
		want    string
		notWant string
	}{
		{DefaultQuota, "(50 files, 200 MB)", ""},
		{Quota{MaxBytes: 3_000_000}, "(2.8 MB)", "0 files"},
		{Quota{MaxDocuments: 6}, "(6 files)", "0 MB"},
	} {
		e := ErrQuotaExceeded(c.q)
		en := e.Message.In(i18n.EN)
		if !strings.Contains(en, c.want) || (c.notWant != "" && strings.Contains(en, c.notWant)) {
			t.Errorf("%+v: %q", c.q, en)
		}
		if zh := e.Message.In(i18n.ZH); !strings.Contains(zh, "上限") {
			t.Errorf("%+v zh: %q", c.q, zh)
		}
	}
}
