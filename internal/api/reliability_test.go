package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// try sends one request without failing the test (for goroutines); a
// transport error comes back as status 0.
func try(srv *httptest.Server, method, path, token, body string, hdr ...string) resp {
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		return resp{raw: err.Error()}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return resp{raw: err.Error()}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// TestConcurrentLogins: 8 clients log in to one account at once for a
// while, one of them with a wrong password a few times (under the limit).
// No answer is a 500 (the throttle's count and the read after it were
// separate statements while another login cleared them), and a correct
// password is never LOGIN_THROTTLED because other logins are in progress.
func TestConcurrentLogins(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"email":"many@example.com"`, "long enough pass")
			const clients = 8
			var mu sync.Mutex
			statuses := map[string]int{}
			var wg sync.WaitGroup
			stop := time.Now().Add(2 * time.Second)
			for c := range clients {
				wg.Go(func() {
					wrong := 0
					for time.Now().Before(stop) {
						pw, want := "long enough pass", "ok"
						if c == 0 && wrong < 3 { // 3 failures: under the limit of 5
							pw, want = "a wrong password", "wrong"
							wrong++
						}
						r := try(srv, "POST", "/api/v1/auth/login", "", `{"email":"many@example.com","password":"`+pw+`"}`)
						mu.Lock()
						statuses[fmt.Sprintf("%s %d %s", want, r.status, r.code())]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			t.Logf("%s: %v", engine, statuses)
			for k, n := range statuses {
				if k != "ok 200 " && k != "wrong 401 INVALID_CREDENTIALS" {
					t.Errorf("%d × %q", n, k)
				}
			}
			if statuses["ok 200 "] < clients {
				t.Errorf("too few logins: %v", statuses)
			}
		})
	}
}

// TestRegistrationThrottle: registrations from one address stop after the
// limit (10 an hour), each EMAIL_TAKEN answer counting; the answer stays
// explicit until then.
func TestRegistrationThrottle(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"email":"first@example.com"`, "long enough pass")
			for i := range 9 {
				r := do(t, srv, "POST", "/api/v1/auth/register", "", `{"email":"first@example.com","password":"long enough pass",`+terms+`}`)
				if r.status != 409 || r.code() != "EMAIL_TAKEN" {
					t.Fatalf("attempt %d: %d %s", i+2, r.status, r.raw)
				}
			}
			r := do(t, srv, "POST", "/api/v1/auth/register", "", `{"email":"new@example.com","password":"long enough pass",`+terms+`}`, "Accept-Language", "zh-CN")
			if r.status != 429 || r.code() != "REGISTRATION_THROTTLED" || r.header.Get("Retry-After") == "" || !strings.Contains(r.message(), "分钟") {
				t.Fatalf("11th registration: %d %v %s", r.status, r.header, r.raw)
			}
			// A bad request is answered as before (not counted, not throttled first).
			if r := do(t, srv, "POST", "/api/v1/auth/register", "", `{"email":"x@example.com","password":"short",`+terms+`}`); r.status != 400 {
				t.Fatalf("bad password after the limit: %d %s", r.status, r.raw)
			}
		})
	}
}
