package httpx

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestClientIPAndToken(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
	if ClientIP(r, false) != "10.1.2.3" || ClientIP(r, true) != "203.0.113.9" {
		t.Fatalf("client ip: %s %s", ClientIP(r, false), ClientIP(r, true))
	}
	r.Header.Set("X-Forwarded-For", "not an ip")
	if ClientIP(r, true) != "10.1.2.3" {
		t.Fatal("bad X-Forwarded-For trusted")
	}
	r.Header.Set("Authorization", "Bearer abc")
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "cookie"})
	if Token(r) != "abc" {
		t.Fatal("bearer")
	}
	r.Header.Set("Authorization", "Basic xyz")
	if Token(r) != "" {
		t.Fatal("basic auth taken as a token")
	}
	r.Header.Del("Authorization")
	if Token(r) != "cookie" {
		t.Fatal("cookie")
	}
}

func TestObserveLogsNoPersonalDataAndRecovers(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("POST /x/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })
	h := Observe(mux, log, NewMetrics(prometheus.NewRegistry()), func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/x/secret-id?email=li@example.com", strings.NewReader(`{"id_number":"110105194912310021"}`))
	req.Header.Set("X-Request-Id", "abc-123")
	h.ServeHTTP(rec, req)
	if rec.Code != 201 || rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 || len(rec.Header().Get("X-Request-Id")) != 16 {
		t.Fatalf("panic: %d %v", rec.Code, rec.Header())
	}
	logs := buf.String()
	for _, bad := range []string{"li@example.com", "110105194912310021", "secret-id"} {
		if strings.Contains(logs, bad) {
			t.Fatalf("log holds %q:\n%s", bad, logs)
		}
	}
	if !strings.Contains(logs, `"route":"POST /x/{id}"`) || !strings.Contains(logs, `"request_id":"abc-123"`) {
		t.Fatalf("log lacks route or request id:\n%s", logs)
	}
	// A caller's odd request id is replaced.
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/x/1", nil)
	req.Header.Set("X-Request-Id", "bad id\nwith newline")
	h.ServeHTTP(rec, req)
	if strings.Contains(rec.Header().Get("X-Request-Id"), " ") {
		t.Fatal("bad request id echoed")
	}
}
