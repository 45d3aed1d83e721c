package ledger

import (
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// TestRefusalsNameLevelTitles: a level refusal names the level by its title
// in the customer's language ("「standard」认证" read as an untranslated code
// on a Chinese page); without a title, the name is kept.
func TestRefusalsNameLevelTitles(t *testing.T) {
	title := i18n.T("Standard", "标准认证")
	cny := Asset{Code: "CNY", Precision: 2}
	for _, c := range []struct {
		msg      i18n.Text
		en, zh   string
		notZH    string
		withLink bool
	}{
		{levelRequired("withdraw", "standard", title).Message, "complete the Standard verification first", "请先完成「标准认证」后再提现", "standard", true},
		{levelRequired("withdraw", "standard", i18n.Text{}).Message, "complete the standard verification first", "请先完成「standard」认证后再提现", "", true},
		{LevelRequired("send", "basic").Message, "complete the basic verification first", "「basic」认证后再付款", "", true},
		{limitExceeded(cny, "send", "per_day", 1000, "standard", title).Message, "The Standard verification raises it", "完成「标准认证」可提高限额", "standard", true},
	} {
		if !strings.Contains(c.msg.EN, c.en) || !strings.Contains(c.msg.ZH, c.zh) || (c.notZH != "" && strings.Contains(c.msg.ZH, c.notZH)) {
			t.Errorf("refusal %+v, want %q / %q", c.msg, c.en, c.zh)
		}
		if c.withLink && !strings.HasSuffix(c.msg.ZH, "：/verify") {
			t.Errorf("refusal %q lost its link", c.msg.ZH)
		}
	}
}
