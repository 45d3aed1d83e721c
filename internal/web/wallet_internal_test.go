package web

import "testing"

func TestWalletNext(t *testing.T) {
	for p, want := range map[string]bool{
		"/wallet": true, "/wallet/statement": true, "/pay/n5zrqwyq8xkq": true,
		"/pay/": false, "/pay/../account": false, "/pay/a<b": false, "//evil.example/pay/x": false,
		"/wallet/receive/abc": false, "/walletx": false, "/pay/ABC": false,
	} {
		if got := walletNext(p); got != want {
			t.Errorf("walletNext(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestCleanVerify(t *testing.T) {
	for in, want := range map[string]string{
		"The standard verification raises it: /verify": "The standard verification raises it",
		"完成「standard」认证可提高限额：/verify":                  "完成「standard」认证可提高限额",
		"Nothing to clean.": "Nothing to clean.",
	} {
		if got := cleanVerify(in); got != want {
			t.Errorf("cleanVerify(%q) = %q", in, got)
		}
	}
}
