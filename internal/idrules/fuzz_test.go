package idrules

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkReasons asserts the invariants every result must keep.
func checkReasons(t *testing.T, rs []Reason) {
	t.Helper()
	for _, r := range rs {
		if _, ok := registry[r.Code]; !ok {
			t.Fatalf("unregistered reason %q", r.Code)
		}
		if r.Message.EN == "" || r.Message.ZH == "" {
			t.Fatalf("empty message for %s", r.Code)
		}
	}
}

// skipLong skips inputs far longer than any real value: they add no
// coverage the short ones lack, and minimising them stalls the fuzzer.
// (Long inputs are covered by the table tests.)
func skipLong(t *testing.T, s string, n int) {
	if len(s) > n {
		t.Skip()
	}
}

func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105491231002", "", "1101051949123100", "８１００００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		skipLong(t, s, 64)
		id, rs := ValidateResidentID(s, testNow)
		checkReasons(t, rs)
		if Valid(rs) {
			if len(id.Number) != 18 || !id.BirthDate.Valid() || mod112(id.Number) != id.Number[17] {
				t.Fatalf("accepted %q as %+v", s, id)
			}
		}
	})
}

func FuzzAnyID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "KAZ110090123105", "911398199012310021", "H12345678", "M1234567801", "12345678", "810000199001010018", "hello"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, typ uint8) {
		skipLong(t, s, 64)
		types := append([]IDType{IDAuto}, IDTypes...)
		id, rs := CheckIDNumber(s, types[int(typ)%len(types)], testNow)
		checkReasons(t, rs)
		if Valid(rs) && id.Type == "" {
			t.Fatalf("valid without a type: %q", s)
		}
	})
}

func FuzzMRZ(f *testing.F) {
	f.Add(strings.Join(td3Specimen, "\n"))
	f.Add(strings.Join(td1Specimen, "\n"))
	f.Add(strings.Join(td1LongNumber, "\n"))
	f.Add(strings.Join(td2Specimen, "\n"))
	f.Add("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<")
	f.Add("P<\n<")
	f.Fuzz(func(t *testing.T, s string) {
		skipLong(t, s, 200)
		m, rs := ParseMRZText(s, testNow)
		checkReasons(t, rs)
		if Valid(rs) && m.DocumentNumber == "" {
			t.Fatalf("valid without a document number: %q", s)
		}
	})
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"张三", "阿依古丽•买买提", "ANNA MARIA", "O’Brien", " · ", "𠀀𠀁", "\u200b"} {
		f.Add(s, "张三丰")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		skipLong(t, a+b, 600)
		n := NormalizeName(a)
		if utf8.ValidString(a) && NormalizeName(n) != n {
			t.Fatalf("NormalizeName not idempotent: %q -> %q -> %q", a, n, NormalizeName(n))
		}
		_, rs := CheckName(a)
		checkReasons(t, rs)
		c := CompareNames(a, b)
		checkReasons(t, c.Reasons)
		if c.Match != (len(c.Reasons) == 0) {
			t.Fatalf("match %v with reasons %v", c.Match, codes(c.Reasons))
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+852 6123 4567", "010 6552 9988", "+", "00", "hello", "+8613812345678901234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		skipLong(t, s, 100)
		p, rs := ParsePhone(s, "CN")
		checkReasons(t, rs)
		if Valid(rs) && !strings.HasPrefix(p.E164, "+") {
			t.Fatalf("valid without E.164: %q -> %+v", s, p)
		}
	})
}
