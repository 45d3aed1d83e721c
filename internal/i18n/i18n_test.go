package i18n

import (
	"net/http/httptest"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Lang
	}{
		{"", EN}, {"zh-CN", ZH}, {"zh", ZH}, {"zh-TW,zh;q=0.9", ZH}, {"ZH-cn", ZH},
		{"en-US,en;q=0.9,zh-CN;q=0.8", EN}, {"fr-FR,zh;q=0.5", EN}, {"*", EN},
		{"zh;q=0,en", EN}, {"zh;q=0.1", ZH}, {" , zh-Hans-CN", ZH}, {"de", EN},
	} {
		if got := Parse(tc.in); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFromRequestCookieWins(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en")
	if FromRequest(r) != EN {
		t.Fatal("header ignored")
	}
	r.Header.Set("Cookie", "lang=zh-CN")
	if FromRequest(r) != ZH {
		t.Fatal("cookie ignored")
	}
	if T("a", "甲").In(ZH) != "甲" || T("a", "").In(ZH) != "a" || T("a", "甲").In(EN) != "a" {
		t.Fatal("In")
	}
}
