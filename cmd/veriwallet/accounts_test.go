package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/config"
)

// Without an SMS gateway, serve refuses to start unless --dev is given:
// codes in the log are for development only.
func TestServeRefusesDevSenderWithoutDev(t *testing.T) {
	env := map[string]string{"VERIWALLET_DATA_DIR": t.TempDir(), "VERIWALLET_ADDR": "127.0.0.1:0", "VERIWALLET_INSECURE_FAST_HASH": "1"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if !errors.Is(err, config.ErrDevSender) {
		t.Fatalf("serve without --dev or --sms-url: %v, want ErrDevSender", err)
	}
}

// With --internal-addr, /metrics and the details of /readyz move to the
// internal listener; the public /readyz keeps its status code.
func TestInternalListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	internal := ln.Addr().String()
	ln.Close()
	base, _ := startServer(t, map[string]string{"VERIWALLET_INTERNAL_ADDR": internal})
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := get(base + "/readyz"); st != 200 || strings.Contains(body, "database") || !strings.Contains(body, `"ready"`) {
		t.Fatalf("public readyz: %d %s", st, body)
	}
	if st, body := get(base + "/metrics"); st == 200 && strings.Contains(body, "veriwallet_http_requests_total") {
		t.Fatal("metrics served on the public listener")
	}
	if st, body := get("http://" + internal + "/readyz"); st != 200 || !strings.Contains(body, "database") {
		t.Fatalf("internal readyz: %d %s", st, body)
	}
	if st, body := get("http://" + internal + "/metrics"); st != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("internal metrics: %d", st)
	}
}
