package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// An open event stream does not hold up a graceful shutdown: the server
// ends it when shutdown starts (its page polls, then reconnects to another
// server), so serve returns at once rather than after its 15 s grace.
func TestShutdownEndsEventStreams(t *testing.T) {
	env := map[string]string{"VERIWALLET_DATA_DIR": t.TempDir(), "VERIWALLET_ADDR": "127.0.0.1:0", "VERIWALLET_INSECURE_FAST_HASH": "1"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("server did not start: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "veriwallet listening on "))

	call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"sse@example.com","password":"a fine password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`)
	_, m := call(t, "POST", base+"/api/v1/auth/login", "", `{"email":"sse@example.com","password":"a fine password"}`)
	tok, _ := m["token"].(string)
	call(t, "POST", base+"/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`)
	st, m := call(t, "POST", base+"/api/v1/verifications", tok, `{"level":"standard"}`)
	v, _ := m["verification"].(map[string]any)
	id, _ := v["id"].(string)
	if st != 201 || id == "" {
		t.Fatalf("case: %d %v", st, m)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/verifications/"+id+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("stream: %v %v", res, err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	if l, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "retry:") {
		t.Fatalf("stream start %q %v", l, err)
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("the open stream held up the shutdown")
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
	t.Logf("shut down in %v with a stream open", time.Since(start))
}
