package verification

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHTTPSender(t *testing.T) {
	secret := []byte("gateway secret")
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := VerifyWebhook(secret, r.Header.Get(WebhookHeader), body, time.Now(), time.Minute); err != nil {
			w.WriteHeader(401)
			return
		}
		json.Unmarshal(body, &got)
		if got["phone"] == "+8613000000000" {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	s := HTTPSender{URL: srv.URL, Secret: secret}
	if err := s.SendCode(context.Background(), "+8613800138000", "123456"); err != nil {
		t.Fatal(err)
	}
	if got["code"] != "123456" || got["phone"] != "+8613800138000" {
		t.Fatalf("gateway got %v", got)
	}
	if err := s.SendCode(context.Background(), "+8613000000000", "1"); err == nil {
		t.Fatal("gateway error not reported")
	}
	if err := (HTTPSender{URL: srv.URL, Secret: []byte("wrong")}).SendCode(context.Background(), "+8613800138000", "1"); err == nil {
		t.Fatal("bad signature accepted by the test gateway")
	}
}
