package cluster

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestProxy: requests spread round-robin over the backends that answer; a
// backend that refuses connections (down) is skipped, bodies included; the
// client's address is appended to X-Forwarded-For.
func TestProxy(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	backend := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			hits[name]++
			mu.Unlock()
			w.Header().Set("X-Got-XFF", r.Header.Get("X-Forwarded-For"))
			io.WriteString(w, name+":"+string(b))
		}))
	}
	a, b := backend("a"), backend("b")
	defer a.Close()
	defer b.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // its port now refuses connections
	p, err := NewProxy([]string{a.URL, downURL, b.URL})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	for i := range 30 {
		req, _ := http.NewRequest("POST", front.URL+"/x", strings.NewReader("body"))
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasSuffix(string(got), ":body") {
			t.Fatalf("request %d: %d %q", i, res.StatusCode, got)
		}
		if xff := res.Header.Get("X-Got-XFF"); xff != "203.0.113.9, 127.0.0.1" {
			t.Errorf("X-Forwarded-For at the backend: %q, want the client's address appended", xff)
		}
	}
	if hits["a"] < 10 || hits["b"] < 10 {
		t.Errorf("spread: %v", hits)
	}
	if _, err := NewProxy(nil); err == nil {
		t.Error("a proxy with no backends")
	}
	if _, err := NewProxy([]string{"not a url"}); err == nil {
		t.Error("a backend that is not a URL")
	}
}
