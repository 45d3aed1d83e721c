package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// startServer runs `veriwallet serve` through run() on a free port with a
// fresh data directory and returns its base URL.
func startServer(t *testing.T, extraEnv map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"VERIWALLET_DATA_DIR": dir, "VERIWALLET_ADDR": "127.0.0.1:0", "VERIWALLET_INSECURE_FAST_HASH": "1", "VERIWALLET_SHUTDOWN_DRAIN": "0"}
	for k, v := range extraEnv {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("server did not start: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "veriwallet listening on "))
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not shut down")
		}
	})
	return base, dir
}

func call(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func TestServeEndToEnd(t *testing.T) {
	base, dir := startServer(t, nil)
	if st, m := call(t, "GET", base+"/readyz", "", ""); st != 200 || m["status"] != "ready" {
		t.Fatalf("readyz %d %v", st, m)
	}
	if st, _ := call(t, "GET", base+"/healthz", "", ""); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	st, _ := call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"e2e@example.com","password":"a fine password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`)
	if st != 201 {
		t.Fatalf("register %d", st)
	}
	st, m := call(t, "POST", base+"/api/v1/auth/login", "", `{"email":"e2e@example.com","password":"a fine password"}`)
	tok, _ := m["token"].(string)
	if st != 200 || tok == "" {
		t.Fatalf("login %d %v", st, m)
	}
	if st, _ := call(t, "GET", base+"/api/v1/me", tok, ""); st != 200 {
		t.Fatalf("me %d", st)
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(metrics, []byte(`veriwallet_http_requests_total{code="201",method="POST",route="POST /api/v1/auth/register"} 1`)) {
		t.Fatalf("metrics lack the register request:\n%s", metrics)
	}
	// Nothing personal in plaintext on disk: the email appears in no file.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("e2e@example.com")) {
				t.Errorf("%s holds the email in plaintext", p)
			}
		}
		return nil
	})
	if fi, err := os.Stat(filepath.Join(dir, "keys.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys.json: %v %v", fi, err)
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"VERIWALLET_DATA_DIR": dir, "VERIWALLET_INSECURE_FAST_HASH": "1"}[k]
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "veriwallet ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"migrate"}, env, &out, &errb); err != nil {
		t.Fatalf("migrate: %v %s", err, errb.String())
	}
	out.Reset()
	stdin = strings.NewReader("staff password 1\n")
	err := run(context.Background(), []string{"admin", "create-user", "--email", "boss@example.com", "--role", "reviewer"}, env, &out, &errb)
	if err != nil || !strings.Contains(out.String(), `"role":"reviewer"`) {
		t.Fatalf("create-user: %v %s %s", err, out.String(), errb.String())
	}
	stdin = strings.NewReader("staff password 1\n")
	err = run(context.Background(), []string{"admin", "create-user", "--email", "boss@example.com", "--role", "admin"}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "EMAIL_TAKEN") {
		t.Fatalf("duplicate create-user: %v", err)
	}
	if err := run(context.Background(), []string{"bogus"}, env, &out, &errb); err != exitCode(2) {
		t.Fatalf("unknown command: %v", err)
	}
	if err := run(context.Background(), []string{}, env, &out, &errb); err != exitCode(2) {
		t.Fatalf("no command: %v", err)
	}
	if err := run(context.Background(), []string{"serve", "--dev", "--log-level", "loud"}, env, &out, &errb); err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Fatalf("bad config accepted: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"keys", "rotate"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), "current_key") ||
		!strings.Contains(out.String(), `"rewrapped_values":1`) {
		t.Fatalf("keys rotate: %v %s %s", err, out.String(), errb.String())
	}
	// After rotation the old data still reads, under the new key; a second
	// rotation re-wraps it again.
	out.Reset()
	if err := run(context.Background(), []string{"keys", "rotate"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"rewrapped_values":1`) {
		t.Fatalf("second rotate: %v %s", err, out.String())
	}
	out.Reset()
	stdin = strings.NewReader("staff password 1\n")
	err = run(context.Background(), []string{"admin", "create-user", "--email", "boss@example.com", "--role", "admin"}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "EMAIL_TAKEN") {
		t.Fatalf("lookup after rotation: %v", err)
	}
}
