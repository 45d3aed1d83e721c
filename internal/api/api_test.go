package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// lastAccounts is the accounts service of the latest test server (for
// creating staff accounts, which the API does not do).
// clockOffset moves the servers' clock forward (tests of expiry).
var clockOffset atomic.Int64

var (
	lastAccounts *identity.Service
	lastApp      *app.App
)

var fast = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// newServer starts the whole HTTP handler on a fresh database.
func newServer(t *testing.T, engine string) *httptest.Server {
	srv, _ := newServerDir(t, engine)
	return srv
}

// newServerDir also returns the data directory, for tests that look at the disk.
func newServerDir(t *testing.T, engine string) (*httptest.Server, string) {
	return newServerWith(t, engine, nil)
}

// newServerWith is newServerDir with options changed by set (nil: none).
func newServerWith(t *testing.T, engine string, set func(*app.Options)) (*httptest.Server, string) {
	db := sqltest.Open(t, engine)
	dir := t.TempDir()
	cfg := identity.DefaultConfig
	cfg.Argon2 = fast
	o := app.Options{DB: db, Keys: sqltest.Keyring(t), DataDir: dir,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, MaxUpload: 8 << 20, MaxOpen: 3,
		Reader: testReader, Sender: testSender, Poll: 20 * time.Millisecond, Version: "test",
		Now: func() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }}
	if set != nil {
		set(&o)
	}
	a, err := app.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	lastAccounts, lastApp = a.Accounts, a
	ctx, stop := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Stop(sctx)
		stop()
	})
	return srv, dir
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, srv *httptest.Server, method, path, token, body string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
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
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func (r resp) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r resp) field() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["field"].(string)
	return c
}

func (r resp) message() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["message"].(string)
	return c
}

const terms = `"accept_terms_version":"` + identity.DefaultTermsVersion + `"`

func register(t *testing.T, srv *httptest.Server, who, pw string) {
	t.Helper()
	r := do(t, srv, "POST", "/api/v1/auth/register", "", `{`+who+`,"password":"`+pw+`",`+terms+`}`)
	if r.status != 201 {
		t.Fatalf("register %s: %d %s", who, r.status, r.raw)
	}
}

func login(t *testing.T, srv *httptest.Server, who, pw string) string {
	t.Helper()
	r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"`+pw+`"}`)
	// Staff: the second factor, enrolled at the first login (totp_test.go).
	r = staffSecondFactor(t, srv, who, pw, r)
	tok, _ := r.body["token"].(string)
	if r.status != 200 || tok == "" {
		t.Fatalf("login %s: %d %s", who, r.status, r.raw)
	}
	if u, _ := r.body["user"].(map[string]any); u != nil && u["role"] != "customer" {
		return tok // the consent is the customers'
	}
	// The separate consent to sensitive personal information, which a
	// verification needs before an ID number or a photo.
	if r := do(t, srv, "POST", "/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); r.status != 201 {
		t.Fatalf("consent %s: %d %s", who, r.status, r.raw)
	}
	return tok
}

func TestAccountFlow(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			for _, tc := range []struct{ who, login, want string }{
				{`"email":" Li.Lei@Example.COM "`, `"email":"li.lei@example.com"`, "li.lei@example.com"},
				{`"phone":"138 0013 8000"`, `"phone":"+86 13800138000"`, "+8613800138000"},
			} {
				register(t, srv, tc.who, "long enough pass")
				tok := login(t, srv, tc.login, "long enough pass")
				me := do(t, srv, "GET", "/api/v1/me", tok, "")
				u, _ := me.body["user"].(map[string]any)
				if me.status != 200 || (u["email"] != tc.want && u["phone"] != tc.want) || u["role"] != "customer" {
					t.Fatalf("me: %d %s", me.status, me.raw)
				}
				if cs, _ := me.body["consents"].([]any); len(cs) != 3 { // terms, privacy, and the sensitive-information consent login() gives
					t.Fatalf("consents not recorded: %s", me.raw)
				}
				if r := do(t, srv, "POST", "/api/v1/auth/logout", tok, ""); r.status != 204 {
					t.Fatalf("logout: %d %s", r.status, r.raw)
				}
				if r := do(t, srv, "GET", "/api/v1/me", tok, ""); r.status != 401 || r.code() != "UNAUTHENTICATED" {
					t.Fatalf("me after logout: %d %s", r.status, r.raw)
				}
			}
		})
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"a@example.com"`, "long enough pass")
	register(t, srv, `"email":"b@example.com"`, "long enough pass")
	t1 := login(t, srv, `"email":"a@example.com"`, "long enough pass")
	t2 := login(t, srv, `"email":"a@example.com"`, "long enough pass")
	tb := login(t, srv, `"email":"b@example.com"`, "long enough pass")
	r := do(t, srv, "GET", "/api/v1/sessions", t1, "")
	list, _ := r.body["sessions"].([]any)
	if len(list) != 2 {
		t.Fatalf("sessions: %s", r.raw)
	}
	var other string
	for _, s := range list {
		m := s.(map[string]any)
		if m["current"] == false {
			other = m["id"].(string)
		}
	}
	// b cannot revoke a's session: 404, as if it did not exist.
	if r := do(t, srv, "DELETE", "/api/v1/sessions/"+other, tb, ""); r.status != 404 || r.code() != "SESSION_NOT_FOUND" {
		t.Fatalf("revoke other user's session: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "DELETE", "/api/v1/sessions/"+other, t1, ""); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/api/v1/me", t2, ""); r.status != 401 {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	if r := do(t, srv, "GET", "/api/v1/me", t1, ""); r.status != 200 {
		t.Fatalf("current token broken: %d", r.status)
	}
}

func TestLoginThrottle(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"t@example.com"`, "long enough pass")
	for i := range identity.DefaultConfig.MaxFailures {
		if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"t@example.com","password":"wrong password"}`); r.status != 401 || r.code() != "INVALID_CREDENTIALS" {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.raw)
		}
	}
	r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"t@example.com","password":"long enough pass"}`, "Accept-Language", "zh-CN,zh;q=0.9")
	if r.status != 429 || r.code() != "LOGIN_THROTTLED" || r.header.Get("Retry-After") == "" || !strings.Contains(r.message(), "分钟") {
		t.Fatalf("throttle: %d %v %s", r.status, r.header, r.raw)
	}
	// Another account from the same address is not locked by this one.
	register(t, srv, `"email":"u@example.com"`, "long enough pass")
	login(t, srv, `"email":"u@example.com"`, "long enough pass")
}

// TestBadRequests sends many kinds of bad requests; each gets its 4xx and
// code, none a 500.
func TestBadRequests(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"owner@example.com"`, "long enough pass")
	register(t, srv, `"phone":"13900139000"`, "long enough pass")
	tok := login(t, srv, `"email":"owner@example.com"`, "long enough pass")
	huge := `{"email":"` + strings.Repeat("a", 2<<20) + `"}`
	for _, tc := range []struct {
		name, method, path, token, body string
		hdr                             []string
		status                          int
		code, field                     string
	}{
		{"empty body", "POST", "/api/v1/auth/register", "", "", nil, 400, "BODY_EMPTY", ""},
		{"not json", "POST", "/api/v1/auth/register", "", "hello", nil, 400, "MALFORMED_JSON", ""},
		{"truncated json", "POST", "/api/v1/auth/register", "", `{"email":"a@b.c"`, nil, 400, "MALFORMED_JSON", ""},
		{"json array", "POST", "/api/v1/auth/register", "", `[1,2]`, nil, 400, "FIELD_WRONG_TYPE", ""},
		{"json string", "POST", "/api/v1/auth/register", "", `"x"`, nil, 400, "FIELD_WRONG_TYPE", ""},
		{"json null", "POST", "/api/v1/auth/register", "", `null`, nil, 400, "EMAIL_OR_PHONE_REQUIRED", "email"},
		{"trailing data", "POST", "/api/v1/auth/register", "", `{"email":"a@b.cn"} {"x":1}`, nil, 400, "MALFORMED_JSON", ""},
		{"unknown field", "POST", "/api/v1/auth/register", "", `{"email":"a@b.cn","admin":true}`, nil, 400, "UNKNOWN_FIELD", "admin"},
		{"wrong type", "POST", "/api/v1/auth/register", "", `{"email":42}`, nil, 400, "FIELD_WRONG_TYPE", "email"},
		{"wrong type bool", "POST", "/api/v1/auth/login", "", `{"password":true}`, nil, 400, "FIELD_WRONG_TYPE", "password"},
		{"huge body", "POST", "/api/v1/auth/register", "", huge, nil, 413, "BODY_TOO_LARGE", ""},
		{"form content type", "POST", "/api/v1/auth/register", "", `{"email":"x@y.cn"}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"xml content type", "POST", "/api/v1/auth/login", "", `<a/>`, []string{"Content-Type", "text/xml"}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"bad content type", "POST", "/api/v1/auth/login", "", `{}`, []string{"Content-Type", ";;;"}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"invalid utf8", "POST", "/api/v1/auth/register", "", "{\"email\":\"\xff\xfe@x.cn\",\"password\":\"long enough pass\"," + terms + "}", nil, 400, "EMAIL_INVALID", "email"},
		{"no account", "POST", "/api/v1/auth/register", "", `{"password":"long enough pass",` + terms + `}`, nil, 400, "EMAIL_OR_PHONE_REQUIRED", "email"},
		{"both email and phone", "POST", "/api/v1/auth/register", "", `{"email":"a@b.cn","phone":"13800138000","password":"long enough pass",` + terms + `}`, nil, 400, "EMAIL_OR_PHONE", "email"},
		{"bad email", "POST", "/api/v1/auth/register", "", `{"email":"not-an-email","password":"long enough pass",` + terms + `}`, nil, 400, "EMAIL_INVALID", "email"},
		{"email with name", "POST", "/api/v1/auth/register", "", `{"email":"Bob <b@x.cn>","password":"long enough pass",` + terms + `}`, nil, 400, "EMAIL_INVALID", "email"},
		{"email no tld", "POST", "/api/v1/auth/register", "", `{"email":"b@localhost","password":"long enough pass",` + terms + `}`, nil, 400, "EMAIL_INVALID", "email"},
		{"bad phone", "POST", "/api/v1/auth/register", "", `{"phone":"12345","password":"long enough pass",` + terms + `}`, nil, 400, "PHONE_INVALID", "phone"},
		{"landline phone", "POST", "/api/v1/auth/register", "", `{"phone":"01065529988","password":"long enough pass",` + terms + `}`, nil, 400, "PHONE_INVALID", "phone"},
		{"phone letters", "POST", "/api/v1/auth/register", "", `{"phone":"abcdefghijk","password":"long enough pass",` + terms + `}`, nil, 400, "PHONE_INVALID", "phone"},
		{"short password", "POST", "/api/v1/auth/register", "", `{"email":"n@x.cn","password":"short",` + terms + `}`, nil, 400, "PASSWORD_TOO_SHORT", "password"},
		{"long password", "POST", "/api/v1/auth/register", "", `{"email":"n@x.cn","password":"` + strings.Repeat("p", 200) + `",` + terms + `}`, nil, 400, "PASSWORD_TOO_LONG", "password"},
		{"common password", "POST", "/api/v1/auth/register", "", `{"email":"n@x.cn","password":"password123",` + terms + `}`, nil, 400, "PASSWORD_TOO_COMMON", "password"},
		{"password has email", "POST", "/api/v1/auth/register", "", `{"email":"zhangsan@x.cn","password":"zhangsan2026",` + terms + `}`, nil, 400, "PASSWORD_TOO_COMMON", "password"},
		{"no terms", "POST", "/api/v1/auth/register", "", `{"email":"n@x.cn","password":"long enough pass"}`, nil, 400, "TERMS_NOT_ACCEPTED", "accept_terms_version"},
		{"old terms", "POST", "/api/v1/auth/register", "", `{"email":"n@x.cn","password":"long enough pass","accept_terms_version":"2020-01-01"}`, nil, 400, "TERMS_VERSION_OUTDATED", "accept_terms_version"},
		{"email taken", "POST", "/api/v1/auth/register", "", `{"email":"OWNER@example.com","password":"long enough pass",` + terms + `}`, nil, 409, "EMAIL_TAKEN", "email"},
		{"phone taken", "POST", "/api/v1/auth/register", "", `{"phone":"+8613900139000","password":"long enough pass",` + terms + `}`, nil, 409, "PHONE_TAKEN", "phone"},
		{"login wrong password", "POST", "/api/v1/auth/login", "", `{"phone":"13900139000","password":"not the password"}`, nil, 401, "INVALID_CREDENTIALS", ""},
		{"login unknown account", "POST", "/api/v1/auth/login", "", `{"email":"ghost@example.com","password":"whatever pass"}`, nil, 401, "INVALID_CREDENTIALS", ""},
		{"login nothing", "POST", "/api/v1/auth/login", "", `{}`, nil, 400, "EMAIL_OR_PHONE_REQUIRED", "email"},
		{"me without auth", "GET", "/api/v1/me", "", "", nil, 401, "UNAUTHENTICATED", ""},
		{"me bad token", "GET", "/api/v1/me", "not-a-token", "", nil, 401, "UNAUTHENTICATED", ""},
		{"me huge token", "GET", "/api/v1/me", strings.Repeat("t", 4000), "", nil, 401, "UNAUTHENTICATED", ""},
		{"me basic auth", "GET", "/api/v1/me", "", "", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, "UNAUTHENTICATED", ""},
		{"sessions without auth", "GET", "/api/v1/sessions", "", "", nil, 401, "UNAUTHENTICATED", ""},
		{"logout without auth", "POST", "/api/v1/auth/logout", "", "", nil, 401, "UNAUTHENTICATED", ""},
		{"revoke without auth", "DELETE", "/api/v1/sessions/ses_x", "", "", nil, 401, "UNAUTHENTICATED", ""},
		{"revoke unknown", "DELETE", "/api/v1/sessions/ses_unknown", tok, "", nil, 404, "SESSION_NOT_FOUND", ""},
		{"revoke absurd id", "DELETE", "/api/v1/sessions/" + strings.Repeat("z", 300), tok, "", nil, 404, "SESSION_NOT_FOUND", ""},
		{"GET login", "GET", "/api/v1/auth/login", "", "", nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"PUT register", "PUT", "/api/v1/auth/register", "", `{}`, nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"DELETE me", "DELETE", "/api/v1/me", tok, "", nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"POST sessions", "POST", "/api/v1/sessions", tok, `{}`, nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"GET logout", "GET", "/api/v1/auth/logout", tok, "", nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"unknown endpoint", "GET", "/api/v1/nothing-here", "", "", nil, 404, "NOT_FOUND", ""},
		{"unknown version", "GET", "/api/v2/me", tok, "", nil, 404, "NOT_FOUND", ""},
		{"cross-origin post", "POST", "/api/v1/auth/login", "", `{}`, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, "CROSS_ORIGIN_REFUSED", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.token, tc.body, tc.hdr...)
			if r.status != tc.status || r.code() != tc.code || r.field() != tc.field {
				t.Fatalf("got %d %s field %q, want %d %s field %q: %s", r.status, r.code(), r.field(), tc.status, tc.code, tc.field, r.raw)
			}
			if r.message() == "" {
				t.Fatalf("no message: %s", r.raw)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Fatalf("content type %q", r.header.Get("Content-Type"))
			}
		})
	}
}

func TestErrorLanguage(t *testing.T) {
	srv := newServer(t, "sqlite")
	body := `{"email":"bad","password":"long enough pass",` + terms + `}`
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN,zh;q=0.9,en;q=0.8", "邮箱地址格式不正确。"},
		{"zh-TW", "邮箱地址格式不正确。"},
		{"en-US,en;q=0.9", "This is not a valid email address."},
		{"fr-FR", "This is not a valid email address."},
		{"", "This is not a valid email address."},
	} {
		r := do(t, srv, "POST", "/api/v1/auth/register", "", body, "Accept-Language", tc.lang)
		if r.message() != tc.want {
			t.Errorf("%q: %q", tc.lang, r.message())
		}
	}
}

// TestLoginThrottleConcurrent: failures fired at once still stop at the
// limit (each attempt is counted before the password is checked).
func TestLoginThrottleConcurrent(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"par@example.com"`, "long enough pass")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"par@example.com","password":"wrong password"}`)
			mu.Lock()
			got[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got[401] > identity.DefaultConfig.MaxFailures || got[401]+got[429] != 20 {
		t.Fatalf("statuses %v: more than %d passwords were tried", got, identity.DefaultConfig.MaxFailures)
	}
}

// TestBadCharactersInIDs: a NUL byte or invalid UTF-8 in an id (path or
// body) is a client's mistake on both engines. Before, PostgreSQL refused
// the query argument and eleven routes answered 500 (SQLite: 404).
func TestBadCharactersInIDs(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base := newServer(t, engine)
			register(t, base, `"email":"nul@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"nul@example.com"`, "long enough pass")
			if r := do(t, base, "POST", "/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); r.status >= 300 {
				t.Fatalf("consent: %d %s", r.status, r.raw)
			}
			id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/api/v1/verifications/%00", ""},
				{"GET", "/api/v1/verifications/a%FFb", ""},
				{"GET", "/api/v1/documents/%00", ""},
				{"GET", "/api/v1/documents/%00/image", ""},
				{"DELETE", "/api/v1/sessions/%00", ""},
				{"PUT", "/api/v1/verifications/%00/applicant", `{"full_name":"周杰"}`},
				{"POST", "/api/v1/documents", `{"kind":"id_front","upload_id":"a\u0000"}`},
				{"POST", "/api/v1/verifications/" + id + "/documents", `{"kind":"id_front","document_id":"d\u0000"}`},
				{"POST", "/api/v1/handoff", `{"verification_id":"v\u0000"}`},
			} {
				r := do(t, base, c.method, c.path, tok, c.body)
				if r.status < 400 || r.status >= 500 || r.code() == "" {
					t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.raw)
				}
			}
			req, _ := http.NewRequest("HEAD", base.URL+"/api/v1/uploads/%00", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Tus-Resumable", "1.0.0")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("tus HEAD %%00: %d", res.StatusCode)
			}
		})
	}
}
