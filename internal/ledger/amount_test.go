package ledger

import (
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestParseAmount(t *testing.T) {
	cny, usdt, jpy := Asset{"CNY", 2}, Asset{"USDT", 6}, Asset{"JPY", 0}
	for _, c := range []struct {
		a    Asset
		in   string
		want int64
		code string
	}{
		{cny, "12.30", 1230, ""},
		{cny, "12.3", 1230, ""},
		{cny, "12", 1200, ""},
		{cny, "0.01", 1, ""},
		{cny, "012.300", 1230, ""},
		{cny, " 5 ", 500, ""},
		{cny, "+5", 500, ""},
		{usdt, "0.000001", 1, ""},
		{usdt, "1.5", 1500000, ""},
		{jpy, "100", 100, ""},
		{jpy, "100.0", 100, ""},
		{cny, "10000000000000.00", 1_000_000_000_000_000, ""},
		{cny, "12.345", 0, "AMOUNT_PRECISION"},
		{jpy, "1.5", 0, "AMOUNT_PRECISION"},
		{cny, "0", 0, "AMOUNT_NOT_POSITIVE"},
		{cny, "0.00", 0, "AMOUNT_NOT_POSITIVE"},
		{cny, "-1", 0, "AMOUNT_NOT_POSITIVE"},
		{cny, "-0.001", 0, "AMOUNT_NOT_POSITIVE"},
		{cny, "10000000000000.01", 0, "AMOUNT_TOO_LARGE"},
		{cny, "99999999999999999999", 0, "AMOUNT_TOO_LARGE"},
		{cny, strings.Repeat("9", 100), 0, "AMOUNT_TOO_LARGE"},
		{cny, "", 0, "AMOUNT_INVALID"},
		{cny, ".", 0, "AMOUNT_INVALID"},
		{cny, ".5", 0, "AMOUNT_INVALID"},
		{cny, "5.", 0, "AMOUNT_INVALID"},
		{cny, "1e3", 0, "AMOUNT_INVALID"},
		{cny, "1,000", 0, "AMOUNT_INVALID"},
		{cny, "0x10", 0, "AMOUNT_INVALID"},
		{cny, "１２", 0, "AMOUNT_INVALID"},
		{cny, "NaN", 0, "AMOUNT_INVALID"},
		{cny, "--1", 0, "AMOUNT_INVALID"},
		{cny, "1.2.3", 0, "AMOUNT_INVALID"},
	} {
		got, err := ParseAmount(c.a, c.in)
		if c.code != "" {
			if !errs.Is(err, c.code) {
				t.Errorf("ParseAmount(%s, %q) = %d, %v; want %s", c.a.Code, c.in, got, err, c.code)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseAmount(%s, %q) = %d, %v; want %d", c.a.Code, c.in, got, err, c.want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		a    Asset
		v    int64
		want string
	}{
		{Asset{"CNY", 2}, 1230, "12.30"}, {Asset{"CNY", 2}, 1, "0.01"}, {Asset{"CNY", 2}, 0, "0.00"},
		{Asset{"CNY", 2}, -5, "-0.05"}, {Asset{"USDT", 6}, 1500000, "1.500000"}, {Asset{"JPY", 0}, 42, "42"},
	} {
		if got := FormatAmount(c.a, c.v); got != c.want {
			t.Errorf("FormatAmount(%d) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestParseAssets(t *testing.T) {
	as, err := ParseAssets("eur:2, BTC:8")
	if err != nil || as["EUR"].Precision != 2 || as["BTC"].Precision != 8 || as["CNY"].Precision != 2 {
		t.Fatalf("%v %+v", err, as)
	}
	for _, bad := range []string{"EUR", "EUR:x", "EUR:13", "€:2"} {
		if _, err := ParseAssets(bad); !errs.Is(err, "ASSET_CONFIG") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// FuzzParseAmount: any input is parsed or refused with a stable code, never
// a panic; what is accepted is positive, bounded and formats back to the
// same amount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.30", "0.01", "-1", "1e9", "99999999999999999999", "", "１", "0.0000001"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, p uint8) {
		a := Asset{"X", int(p % 13)}
		v, err := ParseAmount(a, s)
		if err != nil {
			switch errs.As(err).Code {
			case "AMOUNT_INVALID", "AMOUNT_PRECISION", "AMOUNT_NOT_POSITIVE", "AMOUNT_TOO_LARGE":
			default:
				t.Fatalf("%q: unexpected %v", s, err)
			}
			return
		}
		if v <= 0 || v > MaxAmount {
			t.Fatalf("%q -> %d", s, v)
		}
		back, err := ParseAmount(a, FormatAmount(a, v))
		if err != nil || back != v {
			t.Fatalf("%q -> %d -> %q -> %d %v", s, v, FormatAmount(a, v), back, err)
		}
	})
}
