package ocr

import (
	"testing"
	"time"
)

// FuzzMRZ: any two strings, however garbled, give an MRZ without panicking,
// and a line-2 repair result always passes its check digits.
func FuzzMRZ(f *testing.F) {
	f.Add(td3L1, td3L2)
	f.Add("P<CHNKUN<<SUN<<<<<<<<<<K<<<<", "E387120962CHNOQ302287F2604114<<<<<<<<<<<<<<<6")
	f.Add("", "<<")
	f.Fuzz(func(t *testing.T, l1, l2 string) {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		m := repairTD3(l1, l2, now)
		if m.Valid && (len(m.Lines[0]) != 44 || len(m.Lines[1]) != 44) {
			t.Fatalf("valid MRZ with bad lines %q", m.Lines)
		}
		if l, ok := repairLine2(l2, []string{issuingState(l1)}); ok && !line2Checks(l) {
			t.Fatalf("repairLine2 returned %q failing its checks", l)
		}
		_ = ParseTD3(l1, l2, now)
	})
}

// FuzzParse: the field parsers accept any text in any layout.
func FuzzParse(f *testing.F) {
	f.Add("姓名 张三", "出生1990年1月1日", "11010519491231002X", 10, 40)
	f.Add("有效期限", "2015.03.01-长期", "中文姓名", 0, 0)
	f.Fuzz(func(t *testing.T, a, b, c string, dy, h int) {
		h = h%200 + 1
		lines := []Line{line(a, 0, 0, 100, h), line(b, 10, dy%500, 300, h), line(c, 0, 2*(dy%500), 200, h)}
		rows := layout(lines)
		for _, fs := range []fields{parseIDFront(rows), parseIDBack(rows), parsePermit(rows), parsePassportPage(rows)} {
			if n, ok := fs[FieldIDNumber]; ok && len(n.Value) != 18 {
				t.Fatalf("id number %q", n.Value)
			}
			if d, ok := fs[FieldBirthDate]; ok {
				if _, err := time.Parse("2006-01-02", d.Value); err != nil {
					t.Fatalf("birth date %q", d.Value)
				}
			}
		}
	})
}
