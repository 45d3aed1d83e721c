package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
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

// newServerOpts starts the whole handler with options changed by opt.
func newServerOpts(t *testing.T, engine string, opt func(*app.Options)) *httptest.Server {
	srv, _ := newServerWith(t, engine, opt)
	return srv
}

// jsonError checks that a tus response carries the API's error shape and
// returns its code.
func jsonError(t *testing.T, r tusResp) (code, message string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(r.body), &body) != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("not the JSON error shape: %d %v %q", r.status, r.header, r.body)
	}
	return body.Error.Code, body.Error.Message
}

// TestTusCreateRace: concurrent creates cannot pass the open-upload limit
// together (3 on the test server, 5 by default): it is counted in the
// insert's transaction.
func TestTusCreateRace(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"email":"race@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"race@example.com"`, "long enough pass")
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					r := try(srv, "POST", "/api/v1/uploads/", tok, "", "Tus-Resumable", "1.0.0", "Upload-Length", "100")
					mu.Lock()
					got[fmt.Sprint(r.status, " ", r.code())]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if got["201 "] != 3 || got["429 UPLOAD_QUOTA"] != 17 {
				t.Fatalf("20 concurrent creates with a limit of 3: %v", got)
			}
		})
	}
}

// TestDocumentFromUploadRace: ten requests make one finished upload a
// document at once: exactly one document; the others get a JSON 404/409.
func TestDocumentFromUploadRace(t *testing.T) {
	img, err := os.ReadFile(filepath.Join("..", "document", "testdata", "calib", "004_good.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"email":"twice@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"twice@example.com"`, "long enough pass")
			loc := create(t, srv, tok, len(img))
			if r := patch(t, srv, loc, tok, 0, img); r.status != 204 {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
			id := loc[strings.LastIndex(loc, "/")+1:]
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					r := try(srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`)
					mu.Lock()
					got[fmt.Sprint(r.status, " ", r.code())]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if got["201 "] != 1 {
				t.Fatalf("documents from one upload: %v", got)
			}
			for k, n := range got {
				if k != "201 " && k != "404 UPLOAD_NOT_FOUND" && k != "409 UPLOAD_USED" {
					t.Errorf("%d × %q", n, k)
				}
			}
			// Used: the upload is gone (or still claimed); asking again is a clear error.
			if r := do(t, srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`); r.status != 404 && r.status != 409 || r.field() != "upload_id" {
				t.Fatalf("again: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestTusErrorsSpeakJSON: every error of the upload endpoint has the API's
// JSON shape, in the client's language, and a 4xx for the client's mistakes.
func TestTusErrorsSpeakJSON(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"tj@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"tj@example.com"`, "long enough pass")
	zh := []string{"Accept-Language", "zh-CN"}
	r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, append([]string{"Upload-Defer-Length", "1"}, zh...)...)
	if code, msg := jsonError(t, r); r.status != 400 || code != "UPLOAD_LENGTH_REQUIRED" || !strings.Contains(msg, "文件大小") {
		t.Fatalf("deferred length: %d %s %s", r.status, code, msg)
	}
	loc := create(t, srv, tok, 10)
	for _, c := range []struct {
		name, method, url string
		body              []byte
		hdr               []string
		status            int
		code              string
	}{
		{"too large", "POST", "/api/v1/uploads/", nil, []string{"Upload-Length", strconv.Itoa(9 << 20)}, 413, "UPLOAD_TOO_LARGE"},
		{"bad length", "POST", "/api/v1/uploads/", nil, []string{"Upload-Length", "-4"}, 400, "UPLOAD_LENGTH_INVALID"},
		{"no version", "POST", "/api/v1/uploads/", nil, []string{"Tus-Resumable", "0.2", "Upload-Length", "4"}, 412, "TUS_VERSION_UNSUPPORTED"},
		{"metadata", "POST", "/api/v1/uploads/", nil, []string{"Upload-Length", "4", "Upload-Metadata", "k " + strings.Repeat("QUFB", 200)}, 400, "UPLOAD_METADATA_INVALID"},
		{"anonymous", "POST", "/api/v1/uploads/", nil, []string{"Upload-Length", "4", "Authorization", ""}, 401, ""},
		{"wrong offset", "PATCH", loc, []byte("ab"), []string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", "5"}, 409, "UPLOAD_OFFSET_MISMATCH"},
		{"content type", "PATCH", loc, []byte("ab"), []string{"Content-Type", "text/plain", "Upload-Offset", "0"}, 400, "UPLOAD_CONTENT_TYPE_INVALID"},
		{"past the end", "PATCH", loc, []byte("0123456789abc"), []string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"}, 413, "UPLOAD_SIZE_EXCEEDED"},
		{"unknown", "PATCH", "/api/v1/uploads/upl_nope", []byte("ab"), []string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"}, 404, "UPLOAD_NOT_FOUND"},
	} {
		r := tusDo(t, srv, c.method, c.url, tok, c.body, append(c.hdr, zh...)...)
		code, msg := jsonError(t, r)
		if r.status != c.status || c.code != "" && code != c.code || !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s: %d %s %q, want %d %s in Chinese", c.name, r.status, code, msg, c.status, c.code)
		}
	}
	for range 2 {
		create(t, srv, tok, 10)
	}
	r = tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", "4")
	if code, _ := jsonError(t, r); r.status != 429 || code != "UPLOAD_QUOTA" {
		t.Fatalf("quota: %d %s", r.status, code)
	}
}

// TestTusCORS: the preflight answers only the allowed origins (none by
// default: same origin only), and cross-origin uploads from an allowed
// origin pass the cross-origin protection while others do not.
func TestTusCORS(t *testing.T) {
	preflight := func(srv *httptest.Server, origin string) tusResp {
		return tusDo(t, srv, "OPTIONS", "/api/v1/uploads/", "", nil, "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "tus-resumable,upload-length")
	}
	def := newServer(t, "sqlite")
	if r := preflight(def, "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("default answers a foreign origin: %v", r.header)
	}
	srv := newServerOpts(t, "sqlite", func(o *app.Options) { o.AllowedOrigins = []string{"https://app.example.com"} })
	r := preflight(srv, "https://app.example.com")
	if r.status >= 300 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PATCH") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Upload-Length") {
		t.Fatalf("allowed origin: %d %v", r.status, r.header)
	}
	if r := preflight(srv, "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin answered: %v", r.header)
	}
	register(t, srv, `"email":"co@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"co@example.com"`, "long enough pass")
	r = tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", "4", "Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site")
	if r.status != 201 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Location") {
		t.Fatalf("create from the allowed origin: %d %v %s", r.status, r.header, r.body)
	}
	if r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", "4", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != 403 {
		t.Fatalf("create from a foreign origin: %d %s", r.status, r.body)
	}
	// The rest of the API does not trust the upload endpoint's origins.
	if r := do(t, srv, "POST", "/api/v1/auth/logout", tok, "", "Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site"); r.status != 403 {
		t.Fatalf("logout from the allowed origin: %d %s", r.status, r.raw)
	}
}
