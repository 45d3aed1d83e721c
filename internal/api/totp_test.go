package api_test

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// staffSecrets holds the TOTP secret each staff account enrolled, by test
// server and login, so that later logins compute their codes.
var (
	staffMu      sync.Mutex
	staffSecrets = map[string]string{}
	staffSteps   = map[string]int64{}
)

// totpNow is the servers' clock in these tests.
func totpNow() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }

// nextTOTP returns a code for secret that has not been used yet (a code
// is accepted once; the server accepts the next step's code too), waiting
// for a new step when both are spent.
func nextTOTP(key, secret string) string {
	staffMu.Lock()
	defer staffMu.Unlock()
	for {
		now := totpNow()
		step := now.Unix() / 30
		switch last := staffSteps[key]; {
		case last < step:
		case last == step:
			step++
		default:
			time.Sleep(time.Duration(30-now.Unix()%30) * time.Second)
			continue
		}
		staffSteps[key] = step
		return identity.TOTPCodeBase32(secret, time.Unix(step*30, 0))
	}
}

// staffSecondFactor completes a staff login that answered r: it enrols
// the account's second factor at its first login (begin, then confirm with
// a code computed from the secret) and logs in again with a code later.
// Other answers are returned as they are.
func staffSecondFactor(t *testing.T, srv *httptest.Server, who, pw string, r resp) resp {
	t.Helper()
	if r.status != 401 {
		return r
	}
	key := srv.URL + " " + who
	switch errorCode(r) {
	case "TOTP_ENROLMENT_REQUIRED":
		enrol, _ := r.body["enrolment_token"].(string)
		b := do(t, srv, "POST", "/api/v1/me/totp", enrol, "")
		secret, _ := b.body["secret"].(string)
		if b.status != 201 || secret == "" || !strings.HasPrefix(b.body["qr_svg"].(string), "<svg") {
			t.Fatalf("totp begin %s: %d %s", who, b.status, b.raw)
		}
		staffMu.Lock()
		staffSecrets[key] = secret
		staffMu.Unlock()
		c := do(t, srv, "POST", "/api/v1/me/totp/confirm", enrol, `{"code":"`+nextTOTP(key, secret)+`"}`)
		if codes, _ := c.body["recovery_codes"].([]any); c.status != 200 || len(codes) != 10 {
			t.Fatalf("totp confirm %s: %d %s", who, c.status, c.raw)
		}
		return c
	case "TOTP_REQUIRED":
		staffMu.Lock()
		secret := staffSecrets[key]
		staffMu.Unlock()
		return do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"`+pw+`","totp_code":"`+nextTOTP(key, secret)+`"}`)
	}
	return r
}

func errorCode(r resp) string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestStaffTOTP: a staff login needs the second factor (enrolment at the
// first login, a code afterwards), a code works once, a wrong code counts
// as a failed login, a recovery code works once, and customers log in
// with a password alone until they opt in.
func TestStaffTOTP(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			if _, err := lastAccounts.Register(t.Context(), identity.RegisterInput{Email: "desk2@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
				t.Fatal(err)
			}
			who := `"email":"desk2@example.com"`
			r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"reviewer password"}`)
			if r.status != 401 || errorCode(r) != "TOTP_ENROLMENT_REQUIRED" || r.body["enrolment_token"] == nil {
				t.Fatalf("first staff login: %d %s", r.status, r.raw)
			}
			enrol := r.body["enrolment_token"].(string)
			// The enrolment token opens nothing else.
			if m := do(t, srv, "GET", "/api/v1/me", enrol, ""); m.status != 401 {
				t.Fatalf("enrolment token used as a session: %d", m.status)
			}
			c := staffSecondFactor(t, srv, who, "reviewer password", r)
			codes := c.body["recovery_codes"].([]any)
			if tok, _ := c.body["token"].(string); tok == "" || do(t, srv, "GET", "/api/v1/me", tok, "").status != 200 {
				t.Fatalf("confirm gave no working session: %s", c.raw)
			}
			// Without a code: TOTP_REQUIRED; with a wrong one: TOTP_INVALID.
			r = do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"reviewer password"}`)
			if r.status != 401 || errorCode(r) != "TOTP_REQUIRED" {
				t.Fatalf("staff login without code: %d %s", r.status, r.raw)
			}
			r = do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"reviewer password","totp_code":"000000"}`)
			if r.status != 401 || errorCode(r) != "TOTP_INVALID" {
				t.Fatalf("wrong code: %d %s", r.status, r.raw)
			}
			// A good code works once.
			key := srv.URL + " " + who
			code := nextTOTP(key, staffSecrets[key])
			body := `{` + who + `,"password":"reviewer password","totp_code":"` + code + `"}`
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", body); r.status != 200 {
				t.Fatalf("good code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", body); r.status != 401 || errorCode(r) != "TOTP_INVALID" {
				t.Fatalf("replayed code: %d %s", r.status, r.raw)
			}
			// A recovery code works once.
			rc := `{` + who + `,"password":"reviewer password","totp_code":"` + codes[0].(string) + `"}`
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", rc); r.status != 200 {
				t.Fatalf("recovery code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", rc); r.status != 401 {
				t.Fatalf("recovery code reused: %d %s", r.status, r.raw)
			}
			// Wrong codes are throttled like wrong passwords (5 from one
			// address; the reused recovery code was the first since the last success).
			for range 4 {
				do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"reviewer password","totp_code":"999999"}`)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", body); r.status != 429 {
				t.Fatalf("after 5 wrong codes: %d %s", r.status, r.raw)
			}
			// A customer logs in with a password alone.
			register(t, srv, `"email":"plain@example.com"`, "long enough pass")
			cr := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"plain@example.com","password":"long enough pass"}`)
			if cr.status != 200 {
				t.Fatalf("customer login: %d %s", cr.status, cr.raw)
			}
			// A customer may opt in from a session (issue 16), and then needs the code too.
			ctok := cr.body["token"].(string)
			b := do(t, srv, "POST", "/api/v1/me/totp", ctok, "")
			csecret, _ := b.body["secret"].(string)
			ckey := srv.URL + " customer"
			if c := do(t, srv, "POST", "/api/v1/me/totp/confirm", ctok, `{"code":"`+nextTOTP(ckey, csecret)+`"}`); c.status != 200 || c.body["token"] != nil {
				t.Fatalf("customer opt-in: %d %s", c.status, c.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"plain@example.com","password":"long enough pass"}`); errorCode(r) != "TOTP_REQUIRED" {
				t.Fatalf("customer with TOTP logs in without it: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"plain@example.com","password":"long enough pass","totp_code":"`+nextTOTP(ckey, csecret)+`"}`); r.status != 200 {
				t.Fatalf("customer with a code: %d %s", r.status, r.raw)
			}
		})
	}
}
