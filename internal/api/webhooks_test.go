package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestWebhooksSignedAndDelivered: an admin registers an endpoint; a
// customer's case goes through; the receiver gets signed events that verify
// with the documented recipe.
func TestWebhooksSignedAndDelivered(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var secret []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := verification.VerifyWebhook(secret, r.Header.Get("Veriwallet-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v", err)
			w.WriteHeader(400)
			return
		}
		events = append(events, r.Header.Get("Veriwallet-Event"))
	}))
	defer recv.Close()

	base := newServer(t, "sqlite")
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "admin@example.com", Password: "wallet keeper 77", Role: identity.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	admin := login(t, base, `"email":"admin@example.com"`, "wallet keeper 77")
	register(t, base, `"email":"w@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"w@example.com"`, "long enough pass")
	if r := do(t, base, "POST", "/api/v1/admin/webhooks", tok, `{"url":"`+recv.URL+`","events":["*"]}`); r.status != 403 {
		t.Fatalf("customer created a webhook: %d", r.status)
	}
	if r := do(t, base, "POST", "/api/v1/admin/webhooks", admin, `{"url":"ftp://x","events":["*"]}`); r.status != 400 || !strings.HasPrefix(r.code(), "WEBHOOK_URL") {
		t.Fatalf("bad url: %d %s", r.status, r.raw)
	}
	r := do(t, base, "POST", "/api/v1/admin/webhooks", admin, `{"url":"`+recv.URL+`","events":["verification.submitted","verification.approved"]}`)
	if r.status != 201 || str(r.body["secret"]) == "" {
		t.Fatalf("create webhook: %d %s", r.status, r.raw)
	}
	mu.Lock()
	secret = []byte(str(r.body["secret"]))
	mu.Unlock()
	epID := str(r.body["endpoint"].(map[string]any)["id"])

	// A basic-level case: typed data and phone only.
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
	do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"赵敏","id_type":"cn_resident","id_number":"110105199003072311","phone":"13600136000"}`)
	do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
	do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+8613600136000")+`"}`)
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	waitStatus(t, &testServer{base}, tok, id, "approved", "manual_review", "rejected", "retry_required")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	sorted := append([]string(nil), events...)
	mu.Unlock()
	sort.Strings(sorted) // deliveries run in parallel: order is not promised (occurred_at is in the body)
	got := strings.Join(sorted, ",")
	if got != "verification.approved,verification.submitted" {
		t.Fatalf("events received: %q", got)
	}
	// The receiver answers before the job records the delivery: wait for the log.
	d := do(t, base, "GET", "/api/v1/admin/webhooks/"+epID+"/deliveries", admin, "")
	for logDeadline := time.Now().Add(10 * time.Second); strings.Count(d.raw, `"status":"delivered"`) != 2 && time.Now().Before(logDeadline); {
		time.Sleep(50 * time.Millisecond)
		d = do(t, base, "GET", "/api/v1/admin/webhooks/"+epID+"/deliveries", admin, "")
	}
	if strings.Count(d.raw, `"status":"delivered"`) != 2 {
		t.Fatalf("delivery log: %s", d.raw)
	}
	// Redelivery sends one again.
	did := str(d.body["deliveries"].([]any)[0].(map[string]any)["id"])
	if r := do(t, base, "POST", "/api/v1/admin/webhook-deliveries/"+did+"/redeliver", admin, ""); r.status != 202 {
		t.Fatalf("redeliver: %d %s", r.status, r.raw)
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 3 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redelivery never arrived")
}
