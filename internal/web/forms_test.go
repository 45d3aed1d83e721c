package web_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOversizedFormIs413: a 10 MB form to the login or register page
// answers 413 with the page and a message, not a "not found" page.
func TestOversizedFormIs413(t *testing.T) {
	srv := newServer(t)
	big := append([]byte("account=a%40example.com&password="), bytes.Repeat([]byte("x"), 10<<20)...)
	for _, path := range []string{"/login", "/register"} {
		for _, lang := range []string{"en", "zh-CN"} {
			req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(big))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", lang)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body := string(b)
			want := "too large"
			if lang == "zh-CN" {
				want = "表单内容过大"
			}
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, want) || !strings.Contains(body, `name="password"`) {
				t.Fatalf("%s (%s): %d, want 413 with the form and %q:\n%.600s", path, lang, res.StatusCode, want, body)
			}
		}
	}
	// A normal wrong login still answers with the page (not 413).
	res, err := http.Post(srv.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("account=a%40example.com&password=wrong+password"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusRequestEntityTooLarge || res.StatusCode == http.StatusNotFound {
		t.Fatalf("small form: %d", res.StatusCode)
	}
}
