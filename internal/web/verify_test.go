package web

import (
	"strings"
	"testing"
)

func TestHandoffURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"http://wallet.example/handoff/AbC_-123", true},
		{"https://wallet.example/handoff/AbC", true},
		{"https://evil.example/handoff/AbC", false},
		{"https://wallet.example.evil.example/handoff/AbC", false},
		{"https://user@wallet.example/handoff/AbC", false},
		{"javascript://wallet.example/handoff/AbC", false},
		{"/handoff/AbC", false},
		{"https://wallet.example/account", false},
		{"https://wallet.example/handoff/a/b", false},
		{"https://wallet.example/handoff/AbC?x=1", false},
		{"https://wallet.example/handoff/AbC#x", false},
		{"https://wallet.example/handoff/" + strings.Repeat("a", 600), false},
		{"", false},
	} {
		if got := handoffURL(tc.url, "wallet.example"); got != tc.want {
			t.Errorf("handoffURL(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestValidCaseID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"ver_0123abcdef", true},
		{"", false},
		{"ver_<script>", false},
		{"ver_a/b", false},
		{"ver_a b", false},
		{strings.Repeat("a", 65), false},
	} {
		if got := validCaseID(tc.id); got != tc.want {
			t.Errorf("validCaseID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestQRSVG(t *testing.T) {
	svg, err := qrSVG("http://127.0.0.1:8080/handoff/AxQjjWp8d7RhZRUi9ZvNWo07lET_LAL3")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	// 53 characters at level M need version 4: 33 modules plus the quiet zone.
	if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 41 41"`) || !strings.HasSuffix(s, "</svg>") {
		t.Fatalf("svg: %.120s", s)
	}
	// The three finder patterns: a 7-module dark run at the top left
	// (row 0 of the code is y=4 with the quiet zone).
	if !strings.Contains(s, "M4 4h7v1h-7z") || strings.Count(s, "h7v1h-7z") < 6 {
		t.Fatalf("finder patterns missing: %.300s", s)
	}
	if _, err := qrSVG(strings.Repeat("x", 5000)); err == nil {
		t.Fatal("5000 characters fit in a QR code?")
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/account": "/account", "/verify/ver_1?x=1": "/verify/ver_1", "": "/", "account": "/",
		"//evil.com": "/", "https://evil.com/": "/", "/%2F%2Fevil.com": "/", "/%252Fevil.com": "/%2Fevil.com",
		"/%5Cevil.com": "/", "/\\evil.com": "/", "/x%0d%0aSet-Cookie:a=b": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
