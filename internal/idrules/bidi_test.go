package idrules

import (
	"strings"
	"testing"
)

func TestBidiControls(t *testing.T) {
	all := []rune{'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'}
	for _, r := range all {
		if !IsBidiControl(r) {
			t.Errorf("U+%04X not a bidi control", r)
		}
		if got := StripBidi("北京" + string(r) + "市"); got != "北京市" {
			t.Errorf("StripBidi with U+%04X: %q", r, got)
		}
		// Names drop them like other invisible characters.
		if n, rs := CheckName("李" + string(r) + "雷"); !Valid(rs) || n.Normalized != "李雷" {
			t.Errorf("CheckName with U+%04X: %+v %+v", r, n, rs)
		}
		if c := CompareNames("李雷", "李"+string(r)+"雷"); !c.Match {
			t.Errorf("CompareNames with U+%04X: %+v", r, c)
		}
	}
	for _, r := range []rune{'a', '李', ' ', '\u200B', '\u2065', '\u2070', '\u2029', '\u061B'} {
		if IsBidiControl(r) {
			t.Errorf("U+%04X is not a bidi control", r)
		}
	}
	if s := "plain 文本"; StripBidi(s) != s {
		t.Error("StripBidi changed plain text")
	}
	// Another invisible format character is refused and shown by its code
	// point, never raw inside the message.
	_, rs := CheckName("李\u2062雷")
	if Valid(rs) || rs[0].Code != CodeNameCharacter || !strings.Contains(rs[0].Message.EN, "U+2062") || strings.ContainsRune(rs[0].Message.ZH, '\u2062') {
		t.Errorf("CheckName with U+2062: %+v", rs)
	}
}
