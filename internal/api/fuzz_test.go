package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// jsonRoute is an API operation that takes a JSON body, as openapi.json
// documents it (TestOpenAPIMatchesRoutes holds that to routes.go, so a
// new JSON route is fuzzed without touching this file).
type jsonRoute struct{ method, path string }

func jsonRoutes(f *testing.F, h http.Handler) []jsonRoute {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		f.Fatal(err)
	}
	var out []jsonRoute
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if _, ok := op.RequestBody.Content["application/json"]; ok {
				out = append(out, jsonRoute{strings.ToUpper(m), p})
			}
		}
	}
	slices.SortFunc(out, func(a, b jsonRoute) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	if len(out) < 10 {
		f.Fatalf("only %d JSON routes found in openapi.json", len(out))
	}
	return out
}

// FuzzJSONRoutes posts arbitrary bytes as the JSON body of every route that
// takes one, through the real handler on a real (SQLite) database, as a
// customer (or an admin, for staff routes): the answer is never a 5xx (a
// panic would be one: the recovery middleware answers 500) and every error
// has the error shape with a stable code and a message.
func FuzzJSONRoutes(f *testing.F) {
	db := sqltest.Open(f, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = fast
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(f), DataDir: f.TempDir(),
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, MaxUpload: 1 << 20,
		Reader: testReader, Sender: testSender, Poll: time.Hour, Version: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	h := a.Handler
	call := func(method, path, token, ctype string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ctype)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	ctx := context.Background()
	adm, err := a.Accounts.Register(ctx, identity.RegisterInput{Email: "admin@example.com", Password: "long enough pass",
		Role: identity.RoleAdmin, AcceptTermsVersion: cfg.TermsVersion})
	if err != nil {
		f.Fatal(err)
	}
	en, _, err := a.Accounts.EnrolTOTP(ctx, adm)
	if err != nil {
		f.Fatal(err)
	}
	token := func(who string) string {
		code := identity.TOTPCodeBase32(en.Secret, time.Now())
		w := call("POST", "/api/v1/auth/login", "", "application/json", []byte(`{"email":"`+who+`","password":"long enough pass","totp_code":"`+code+`"}`))
		var out struct{ Token string }
		if json.Unmarshal(w.Body.Bytes(), &out); out.Token == "" {
			f.Fatalf("login %s: %d %s", who, w.Code, w.Body.String())
		}
		return out.Token
	}
	call("POST", "/api/v1/auth/register", "", "application/json", []byte(`{"email":"fuzz@example.com","password":"long enough pass",`+terms+`}`))
	admin, customer := token("admin@example.com"), token("fuzz@example.com")
	w := call("POST", "/api/v1/verifications", customer, "application/json", []byte(`{"level":"standard"}`))
	var created struct{ Verification struct{ ID string } }
	if json.Unmarshal(w.Body.Bytes(), &created); created.Verification.ID == "" {
		f.Fatalf("create case: %d %s", w.Code, w.Body.String())
	}
	caseID := created.Verification.ID
	routes := jsonRoutes(f, h)

	// A valid body for each route, then malformed ones on routes in turn: a
	// small corpus keeps the baseline pass short.
	valid := map[string]string{
		"/api/v1/auth/register":                      `{"email":"new@example.com","password":"long enough pass","accept_terms_version":"` + identity.DefaultTermsVersion + `"}`,
		"/api/v1/auth/login":                         `{"phone":"13800138000","password":"long enough pass"}`,
		"/api/v1/verifications":                      `{"level":"enhanced"}`,
		"/api/v1/verifications/{id}/applicant":       `{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"13512345678","address":"北京\u202e"}`,
		"/api/v1/verifications/{id}/documents":       `{"kind":"id_front","document_id":"doc_0"}`,
		"/api/v1/documents":                          `{"kind":"id_front","upload_id":"upl_0"}`,
		"/api/v1/verifications/{id}/phone/confirm":   `{"code":"123456"}`,
		"/api/v1/handoff":                            `{"verification_id":"` + caseID + `"}`,
		"/api/v1/review/verifications/{id}/decision": `{"decision":"approved","note":"ok","reasons":["NAME_MISMATCH"]}`,
		"/api/v1/admin/webhooks":                     `{"url":"https://example.com/hook","events":["verification.approved"]}`,
	}
	for i, rt := range routes {
		f.Add(uint8(i), []byte(valid[rt.path]))
		f.Add(uint8(i), []byte(`{}`))
	}
	for n, seed := range []string{``, `null`, `[]`, `{"a":`, `"\ud800"`, `{"level":1e999}`, `{"full_name":{"x":[1,2,3]}}`,
		strings.Repeat(`[`, 2000), `{"email":"a@b.c","email":"d@e.f"}`, "\xff\xfe{}"} {
		f.Add(uint8(n%len(routes)), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if len(body) > 64<<10 {
			t.Skip()
		}
		rt := routes[int(which)%len(routes)]
		tok := customer
		if strings.HasPrefix(rt.path, "/api/v1/admin/") || strings.HasPrefix(rt.path, "/api/v1/review/") {
			tok = admin
		}
		path := strings.ReplaceAll(rt.path, "{id}", caseID)
		w := call(rt.method, path, tok, "application/json", body)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, path, body, w.Code, w.Body.String())
		}
		if w.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s %q: %d without the error shape: %s", rt.method, path, body, w.Code, w.Body.String())
			}
		}
	})
}
