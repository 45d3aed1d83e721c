package webhook_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

func TestValidateURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", webhook.MaxURLLength-len("https://example.com/"))
	tests := []struct {
		in, want, code string
	}{
		{in: "https://example.com/webhooks", want: "https://example.com/webhooks"},
		{in: "  http://receiver.internal:8080/hook?x=1  ", want: "http://receiver.internal:8080/hook?x=1"},
		{in: "HTTPS://Example.COM/Path", want: "https://example.com/Path"},
		{in: "http://127.0.0.1:9000/", want: "http://127.0.0.1:9000/"},
		{in: "http://[::1]:9000/h", want: "http://[::1]:9000/h"},
		{in: "https://xn--fiqs8s.example/hook", want: "https://xn--fiqs8s.example/hook"},
		{in: long, want: long},
		{in: long + "a", code: "WEBHOOK_URL_TOO_LONG"},
		{in: "", code: "WEBHOOK_URL_INVALID"},
		{in: "   ", code: "WEBHOOK_URL_INVALID"},
		{in: "/relative/path", code: "WEBHOOK_URL_SCHEME"},
		{in: "example.com/hook", code: "WEBHOOK_URL_SCHEME"},
		{in: "ftp://example.com/", code: "WEBHOOK_URL_SCHEME"},
		{in: "javascript:alert(1)", code: "WEBHOOK_URL_SCHEME"},
		{in: "file:///etc/passwd", code: "WEBHOOK_URL_SCHEME"},
		{in: "https://user:pass@example.com/", code: "WEBHOOK_URL_USERINFO"},
		{in: "https://user@example.com/", code: "WEBHOOK_URL_USERINFO"},
		{in: "https:example.com", code: "WEBHOOK_URL_INVALID"},
		{in: "https://", code: "WEBHOOK_URL_INVALID"},
		{in: "https:///path", code: "WEBHOOK_URL_INVALID"},
		{in: "https://:443/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com:0/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com:65536/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com:/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com:abc/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com/#frag", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com/#", code: "WEBHOOK_URL_INVALID"},
		{in: "https://exa mple.com/", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com/\x00", code: "WEBHOOK_URL_INVALID"},
		{in: "https://例子.测试/hook", code: "WEBHOOK_URL_INVALID"},
		{in: "https://example.com/\xff", code: "WEBHOOK_URL_INVALID"},
		{in: "https://[::1/", code: "WEBHOOK_URL_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := webhook.ValidateURL(tt.in)
			if tt.code != "" {
				if !errs.Is(err, tt.code) {
					t.Fatalf("ValidateURL(%q) = %q, %v; want %s", tt.in, got, err, tt.code)
				}
				e := errs.As(err)
				if e.Kind != errs.Invalid || e.Field != "url" || e.Message.EN == "" || e.Message.ZH == "" {
					t.Errorf("error %+v: want Invalid on field url with both messages", e)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ValidateURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidateEvents(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
		code string
	}{
		{"one", []string{"verification.approved"}, []string{"verification.approved"}, ""},
		{"repeats dropped, order kept", []string{"verification.rejected", "verification.approved", "verification.rejected"},
			[]string{"verification.rejected", "verification.approved"}, ""},
		{"all", []string{"*"}, []string{"*"}, ""},
		{"all absorbs the rest", []string{"verification.approved", "*"}, []string{"*"}, ""},
		{"every event", webhook.Events(), webhook.Events(), ""},
		{"nil", nil, nil, "WEBHOOK_EVENTS_EMPTY"},
		{"empty", []string{}, nil, "WEBHOOK_EVENTS_EMPTY"},
		{"unknown", []string{"verification.approved", "payment.sent"}, nil, "WEBHOOK_EVENT_UNKNOWN"},
		{"unknown beside all", []string{"*", "nope"}, nil, "WEBHOOK_EVENT_UNKNOWN"},
		{"blank", []string{""}, nil, "WEBHOOK_EVENT_UNKNOWN"},
		{"prefix wildcard is not supported", []string{"verification.*"}, nil, "WEBHOOK_EVENT_UNKNOWN"},
		{"case matters", []string{"Verification.Approved"}, nil, "WEBHOOK_EVENT_UNKNOWN"},
		{"too many", slices.Repeat([]string{"verification.approved"}, 65), nil, "WEBHOOK_EVENT_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webhook.ValidateEvents(tt.in)
			if tt.code != "" {
				if !errs.Is(err, tt.code) || errs.As(err).Field != "events" {
					t.Fatalf("ValidateEvents(%q) = %q, %v; want %s on events", tt.in, got, err, tt.code)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ValidateEvents(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEndpointSubscribed(t *testing.T) {
	tests := []struct {
		events []string
		event  string
		want   bool
	}{
		{[]string{"verification.approved"}, "verification.approved", true},
		{[]string{"verification.approved"}, "verification.rejected", false},
		{[]string{"*"}, "verification.rejected", true},
		{nil, "verification.rejected", false},
	}
	for _, tt := range tests {
		if got := (webhook.Endpoint{Events: tt.events}).Subscribed(tt.event); got != tt.want {
			t.Errorf("Subscribed(%q) on %q = %v, want %v", tt.event, tt.events, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{-1, "30s"}, {0, "30s"}, {1, "30s"}, {2, "1m0s"}, {3, "2m0s"}, {11, "8h32m0s"}, {12, "12h0m0s"}, {1000, "12h0m0s"},
	}
	for _, tt := range tests {
		if got := webhook.RetryDelay(tt.n).String(); got != tt.want {
			t.Errorf("RetryDelay(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}
