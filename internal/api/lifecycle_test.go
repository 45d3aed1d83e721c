package api_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/mail"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// waitCode waits for a code to phone other than old (recovery codes are
// sent in the background).
func waitCode(t *testing.T, phone, old string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c := testSender.code(phone); c != "" && c != old {
			return c
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no code sent to %s", phone)
	return ""
}

func security(t *testing.T, srv *httptestServer, tok string) resp {
	t.Helper()
	r := do(t, srv, "GET", "/api/v1/me/security", tok, "")
	if r.status != 200 {
		t.Fatalf("security: %d %s", r.status, r.raw)
	}
	return r
}

func notices(r resp) []map[string]any {
	var out []map[string]any
	list, _ := r.body["notices"].([]any)
	for _, n := range list {
		out = append(out, n.(map[string]any))
	}
	return out
}

// Recovery answers the same, in status and body, for an account that
// exists and one that does not; throttled the same too.
func TestForgotPasswordSameAnswer(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"phone":"13800138001"`, "long enough pass")
			register(t, srv, `"email":"known@example.com"`, "long enough pass")
			for _, pair := range [][2]string{
				{`{"phone":"13800138001"}`, `{"phone":"13800138097"}`},
				{`{"email":"known@example.com"}`, `{"email":"unknown@example.com"}`},
			} {
				known := do(t, srv, "POST", "/api/v1/auth/password/forgot", "", pair[0])
				unknown := do(t, srv, "POST", "/api/v1/auth/password/forgot", "", pair[1])
				if known.status != 202 || known.status != unknown.status || known.raw != unknown.raw {
					t.Fatalf("answers differ: %d %s / %d %s", known.status, known.raw, unknown.status, unknown.raw)
				}
				// A second request within the minute is refused alike.
				known = do(t, srv, "POST", "/api/v1/auth/password/forgot", "", pair[0])
				unknown = do(t, srv, "POST", "/api/v1/auth/password/forgot", "", pair[1])
				if known.status != 429 || known.status != unknown.status || known.code() != unknown.code() || known.code() != "PHONE_CODE_TOO_SOON" {
					t.Fatalf("throttled answers differ: %d %s / %d %s", known.status, known.raw, unknown.status, unknown.raw)
				}
			}
			if testSender.code("+8613800138097") != "" {
				t.Fatal("a code went to a number without an account")
			}
		})
	}
}

// A customer recovers the password with the SMS code: every old session
// dies, wallet sends are blocked for 24 hours, and an in-app notice says so.
func TestResetPasswordBySMS(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			who := `"phone":"13800138011"`
			register(t, srv, who, "long enough pass")
			t1 := login(t, srv, who, "long enough pass")
			t2 := login(t, srv, who, "long enough pass")
			old := testSender.code("+8613800138011")
			if r := do(t, srv, "POST", "/api/v1/auth/password/forgot", "", `{"phone":"13800138011"}`); r.status != 202 {
				t.Fatalf("forgot: %d %s", r.status, r.raw)
			}
			code := waitCode(t, "+8613800138011", old)
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"phone":"13800138011","code":"`+wrong+`","password":"a brand new pass"}`); r.status != 400 || r.code() != "CODE_WRONG" {
				t.Fatalf("wrong code: %d %s", r.status, r.raw)
			}
			// A refused password does not spend the code.
			if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"phone":"13800138011","code":"`+code+`","password":"short"}`); r.status != 400 || r.field() != "password" {
				t.Fatalf("weak password: %d %s", r.status, r.raw)
			}
			before := time.Now()
			if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"phone":"13800138011","code":"`+code+`","password":"a brand new pass"}`); r.status != 200 {
				t.Fatalf("reset: %d %s", r.status, r.raw)
			}
			for _, tok := range []string{t1, t2} {
				if r := do(t, srv, "GET", "/api/v1/me", tok, ""); r.status != 401 {
					t.Fatalf("an old session survived the reset: %d", r.status)
				}
			}
			if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"phone":"13800138011","code":"`+code+`","password":"another new pass"}`); r.code() != "CODE_WRONG" {
				t.Fatalf("code used twice: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"long enough pass"}`); r.status != 401 {
				t.Fatalf("old password still works: %d", r.status)
			}
			tok := login(t, srv, who, "a brand new pass")
			r := security(t, srv, tok)
			until, err := time.Parse(time.RFC3339Nano, r.body["sends_blocked_until"].(string))
			if err != nil || until.Before(before.Add(24*time.Hour-time.Minute)) || until.After(time.Now().Add(24*time.Hour+time.Minute)) {
				t.Fatalf("sends_blocked_until %v (%v), want about now+24h", r.body["sends_blocked_until"], err)
			}
			got, err := lastAccounts.WalletSendsBlockedUntil(context.Background(), userID(t, srv, tok))
			if err != nil || !got.Equal(until) {
				t.Fatalf("WalletSendsBlockedUntil = %v, %v; want %v", got, err, until)
			}
			ns := notices(r)
			if len(ns) == 0 || ns[len(ns)-1]["kind"] != "password_reset" || !strings.Contains(ns[len(ns)-1]["text_en"].(string), "24 hours") {
				t.Fatalf("no reset notice: %s", r.raw)
			}
		})
	}
}

// smtpServer is a tiny SMTP server that keeps the messages it receives.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250 test")
		case "DATA":
			_ = tp.PrintfLine("354 go on")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, string(b))
			s.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("250 ok")
		}
	}
}

func (s *smtpServer) wait(t *testing.T, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		if len(s.msgs) >= n {
			m := s.msgs[n-1]
			s.mu.Unlock()
			return m
		}
		s.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no mail %d", n)
	return ""
}

// The e-mail link resets the password once.
func TestResetPasswordByEmail(t *testing.T) {
	smtpd := startSMTP(t)
	m, err := mail.Parse("smtp://" + smtpd.ln.Addr().String() + "?from=noreply@veriwallet.test")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServerWith(t, "sqlite", func(o *app.Options) { o.Mailer = m; o.PublicURL = "https://wallet.example" })
	register(t, srv, `"email":"mail@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"mail@example.com"`, "long enough pass")
	if r := do(t, srv, "POST", "/api/v1/auth/password/forgot", "", `{"email":"mail@example.com"}`, "Accept-Language", "zh-CN"); r.status != 202 {
		t.Fatalf("forgot: %d %s", r.status, r.raw)
	}
	msg := smtpd.wait(t, 1)
	hdr, body, _ := strings.Cut(strings.ReplaceAll(msg, "\r\n", "\n"), "\n\n")
	if !strings.Contains(hdr, "To: mail@example.com") {
		t.Fatalf("headers: %s", hdr)
	}
	plain, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https://wallet\.example/reset\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(string(plain))
	if link == nil || !strings.Contains(string(plain), "重置") {
		t.Fatalf("no link in %q", plain)
	}
	if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"token":"`+link[1]+`","password":"fresh secret words"}`); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/auth/password/reset", "", `{"token":"`+link[1]+`","password":"fresh secret words 2"}`); r.code() != "CODE_WRONG" {
		t.Fatalf("link used twice: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/api/v1/me", tok, ""); r.status != 401 {
		t.Fatalf("old session alive: %d", r.status)
	}
	login(t, srv, `"email":"mail@example.com"`, "fresh secret words")
	// An unknown address gets no mail.
	do(t, srv, "POST", "/api/v1/auth/password/forgot", "", `{"email":"nobody@example.com"}`)
	time.Sleep(200 * time.Millisecond)
	smtpd.mu.Lock()
	defer smtpd.mu.Unlock()
	if len(smtpd.msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(smtpd.msgs))
	}
}

func TestChangePassword(t *testing.T) {
	srv := newServer(t, "sqlite")
	who := `"email":"change@example.com"`
	register(t, srv, who, "long enough pass")
	t1 := login(t, srv, who, "long enough pass")
	t2 := login(t, srv, who, "long enough pass")
	if r := do(t, srv, "POST", "/api/v1/me/password", t1, `{"current_password":"wrong pass!!","new_password":"a different secret"}`); r.status != 400 || r.code() != "CURRENT_PASSWORD_WRONG" {
		t.Fatalf("wrong current: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/me/password", t1, `{"current_password":"long enough pass","new_password":"short"}`); r.status != 400 {
		t.Fatalf("weak new password: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/me/password", t1, `{"current_password":"long enough pass","new_password":"a different secret"}`); r.status != 204 {
		t.Fatalf("change: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/api/v1/me", t1, ""); r.status != 200 {
		t.Fatalf("this session died: %d", r.status)
	}
	if r := do(t, srv, "GET", "/api/v1/me", t2, ""); r.status != 401 {
		t.Fatalf("other session alive: %d", r.status)
	}
	login(t, srv, who, "a different secret")
	// No wallet block for a change made with the current password.
	if r := security(t, srv, t1); r.body["sends_blocked_until"] != nil {
		t.Fatalf("blocked after a change: %s", r.raw)
	}
}

func TestChangePhone(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			who := `"phone":"13800138021"`
			register(t, srv, who, "long enough pass")
			register(t, srv, `"phone":"13800138023"`, "long enough pass")
			tok := login(t, srv, who, "long enough pass")
			if r := do(t, srv, "POST", "/api/v1/me/phone", tok, `{"phone":"13800138023","password":"long enough pass"}`); r.status != 409 || r.code() != "PHONE_TAKEN" {
				t.Fatalf("taken number: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone", tok, `{"phone":"13800138022","password":"long enough pass"}`); r.status != 202 {
				t.Fatalf("start: %d %s", r.status, r.raw)
			}
			oldCode, newCode := testSender.code("+8613800138021"), testSender.code("+8613800138022")
			if oldCode == "" || newCode == "" {
				t.Fatal("codes not sent to both numbers")
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/confirm", tok, `{"old_code":"`+newCode+`","new_code":"`+newCode+`"}`); oldCode != newCode && r.code() != "OLD_CODE_WRONG" {
				t.Fatalf("swapped code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/confirm", tok, `{"old_code":"`+oldCode+`","new_code":"`+newCode+`"}`); r.status != 200 {
				t.Fatalf("confirm: %d %s", r.status, r.raw)
			}
			login(t, srv, `"phone":"13800138022"`, "long enough pass")
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"long enough pass"}`); r.status != 401 {
				t.Fatalf("old number still logs in: %d", r.status)
			}
			register(t, srv, who, "long enough pass") // the old number is free
		})
	}
}

// A login from a new device or network leaves a notice naming the device,
// with the session to revoke; the first login and a known device do not.
func TestLoginAlerts(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			who := `{"email":"alert@example.com","password":"long enough pass"}`
			register(t, srv, `"email":"alert@example.com"`, "long enough pass")
			const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
			const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
			r := do(t, srv, "POST", "/api/v1/auth/login", "", who, "User-Agent", firefox)
			tok := r.body["token"].(string)
			do(t, srv, "POST", "/api/v1/auth/login", "", who, "User-Agent", firefox)
			if ns := notices(security(t, srv, tok)); len(ns) != 0 {
				t.Fatalf("alert for the first or a known device: %v", ns)
			}
			r = do(t, srv, "POST", "/api/v1/auth/login", "", who, "User-Agent", iphone)
			sess := r.body["session"].(map[string]any)["id"].(string)
			ns := notices(security(t, srv, tok))
			if len(ns) != 1 || ns[0]["kind"] != "new_login" || ns[0]["session_id"] != sess ||
				!strings.Contains(ns[0]["text_en"].(string), "Safari on iPhone") || !strings.Contains(ns[0]["text_zh"].(string), "iPhone") {
				t.Fatalf("alert: %v", ns)
			}
			if r := do(t, srv, "DELETE", "/api/v1/sessions/"+sess, tok, ""); r.status != 204 {
				t.Fatalf("revoke from the alert: %d %s", r.status, r.raw)
			}
		})
	}
}

// A closed account cannot log in (ACCOUNT_CLOSED), its sessions are dead,
// and its phone number registers a new account at once.
func TestCloseAccount(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			who := `"phone":"13800138031"`
			register(t, srv, who, "long enough pass")
			tok := login(t, srv, who, "long enough pass")
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"not the pass"}`); r.code() != "CURRENT_PASSWORD_WRONG" {
				t.Fatalf("close with a wrong password: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"long enough pass"}`); r.status != 204 {
				t.Fatalf("close: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/me", tok, ""); r.status != 401 {
				t.Fatalf("session alive after closing: %d", r.status)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"long enough pass"}`); r.status != 403 || r.code() != "ACCOUNT_CLOSED" {
				t.Fatalf("login to a closed account: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{`+who+`,"password":"wrong password"}`); r.status != 401 {
				t.Fatalf("wrong password on a closed account: %d %s", r.status, r.raw)
			}
			// Recovery of a closed account sends nothing (and answers as usual).
			old := testSender.code("+8613800138031")
			if r := do(t, srv, "POST", "/api/v1/auth/password/forgot", "", `{"phone":"13800138031"}`); r.status != 202 {
				t.Fatalf("forgot: %d", r.status)
			}
			time.Sleep(100 * time.Millisecond)
			if testSender.code("+8613800138031") != old {
				t.Fatal("a recovery code went to a closed account")
			}
			register(t, srv, who, "another long pass")
			tok2 := login(t, srv, who, "another long pass")
			if userID(t, srv, tok2) == "" {
				t.Fatal("no new account")
			}
		})
	}
}

// The recovery answers take as long for an unknown account as for a known
// one. Requests for the two alternate on one server (so that the load of
// a shared machine weighs on both alike) and each path's mean is
// reported: known-ns/op and unknown-ns/op. The code limits are off, so
// every request does the whole work.
func BenchmarkForgotPassword(b *testing.B) {
	srv := benchServer(b)
	post := func(path, body string) int {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if st := post("/api/v1/auth/register", `{"phone":"13800138041","password":"long enough pass",`+terms+`}`); st != 201 {
		b.Fatalf("register: %d", st)
	}
	bodies := [2]string{`{"phone":"13800138041"}`, `{"phone":"13800138042"}`}
	var spent [2]time.Duration
	var n [2]int
	i := 0
	for b.Loop() {
		k := i % 2
		i++
		start := time.Now()
		if st := post("/api/v1/auth/password/forgot", bodies[k]); st != 202 {
			b.Fatalf("forgot: %d", st)
		}
		spent[k] += time.Since(start)
		n[k]++
	}
	if n[0] > 0 && n[1] > 0 {
		b.ReportMetric(float64(spent[0].Nanoseconds())/float64(n[0]), "known-ns/op")
		b.ReportMetric(float64(spent[1].Nanoseconds())/float64(n[1]), "unknown-ns/op")
	}
}

func benchServer(b *testing.B) *httptest.Server {
	db := sqltest.Open(b, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = fast
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(),
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, Sender: &codeSender{}, Version: "bench",
		PhoneLimits: &verification.PhoneLimits{}, RegisterLimit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(srv.Close)
	return srv
}

// blockerFunc is a ClosureBlocker (a wallet with money, say).
type blockerFunc func(ctx context.Context, userID string) error

func (f blockerFunc) ClosureBlocker(ctx context.Context, userID string) error { return f(ctx, userID) }

// An open review, or another package's blocker (a balance), keeps the
// account open, and its sessions alive.
func TestCloseAccountBlocked(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			var db *sqlstore.DB
			rich := map[string]bool{}
			srv, _ := newServerWith(t, engine, func(o *app.Options) {
				db = o.DB
				o.Blockers = []identity.ClosureBlocker{blockerFunc(func(ctx context.Context, uid string) error {
					if rich[uid] {
						return errs.New(errs.Conflict, "BALANCE_NOT_ZERO", "Withdraw your balance first.", "请先提取余额。")
					}
					return nil
				})}
			})
			register(t, srv, `"email":"review@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"review@example.com"`, "long enough pass")
			c := do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`)
			id := str(view(c)["id"])
			if _, err := db.ExecContext(context.Background(), `UPDATE cases SET status = 'manual_review' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"long enough pass"}`); r.status != 409 || r.code() != "OPEN_REVIEW" {
				t.Fatalf("close with an open review: %d %s", r.status, r.raw)
			}
			if _, err := db.ExecContext(context.Background(), `UPDATE cases SET status = 'rejected' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			rich[userID(t, srv, tok)] = true
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"long enough pass"}`); r.status != 409 || r.code() != "BALANCE_NOT_ZERO" {
				t.Fatalf("close with a balance: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/me", tok, ""); r.status != 200 {
				t.Fatalf("a refused closing revoked the session: %d", r.status)
			}
			rich[userID(t, srv, tok)] = false
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"long enough pass"}`); r.status != 204 {
				t.Fatalf("close: %d %s", r.status, r.raw)
			}
		})
	}
}

// A login from a new network (/24) with a known device is alerted too.
func TestLoginAlertNewNetwork(t *testing.T) {
	srv, _ := newServerWith(t, "sqlite", func(o *app.Options) { o.TrustProxy = true })
	register(t, srv, `"email":"net@example.com"`, "long enough pass")
	who := `{"email":"net@example.com","password":"long enough pass"}`
	r := do(t, srv, "POST", "/api/v1/auth/login", "", who, "X-Forwarded-For", "203.0.113.7")
	tok := r.body["token"].(string)
	do(t, srv, "POST", "/api/v1/auth/login", "", who, "X-Forwarded-For", "203.0.113.99") // same /24
	if ns := notices(security(t, srv, tok)); len(ns) != 0 {
		t.Fatalf("alert within the same /24: %v", ns)
	}
	do(t, srv, "POST", "/api/v1/auth/login", "", who, "X-Forwarded-For", "198.51.100.1")
	if ns := notices(security(t, srv, tok)); len(ns) != 1 || ns[0]["kind"] != "new_login" {
		t.Fatalf("no alert for a new network: %v", ns)
	}
}

// A customer who lost the old number changes it through a new
// verification of the same person, with the new number confirmed, that a
// reviewer approved; a case of another person, or one the engine approved,
// does not do.
func TestRecoverLostPhone(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			var db *sqlstore.DB
			srv, _ := newServerWith(t, engine, func(o *app.Options) { db = o.DB })
			ctx := context.Background()
			who := `"phone":"13800138061"`
			register(t, srv, who, "long enough pass")
			tok := login(t, srv, who, "long enough pass")
			if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: "rev61@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
				t.Fatal(err)
			}
			rev := login(t, srv, `"email":"rev61@example.com"`, "reviewer password")
			newCase := func(number, phone string) string {
				t.Helper()
				id := str(view(do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
				if r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
					`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"}`); r.status != 200 {
					t.Fatalf("applicant: %d %s", r.status, r.raw)
				}
				do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
				e164 := "+86" + phone
				if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code(e164)+`"}`); r.status != 200 {
					t.Fatalf("confirm phone: %d %s", r.status, r.raw)
				}
				return id
			}
			setStatus := func(id, st string) {
				if _, err := db.ExecContext(ctx, `UPDATE cases SET status = $1 WHERE id = $2`, st, id); err != nil {
					t.Fatal(err)
				}
			}
			// The account was verified once (the engine approved it).
			first := newCase("110105199003072311", "13800138061")
			setStatus(first, "approved")
			time.Sleep(5 * time.Millisecond)
			// The new verification, with the new number, waits for a reviewer.
			fresh := newCase("110105199003072311", "13800138062")
			if r := do(t, srv, "POST", "/api/v1/me/phone/recover", tok, `{"case_id":"`+fresh+`"}`); r.code() != "RECOVERY_CASE_NOT_APPROVED" {
				t.Fatalf("before the review: %d %s", r.status, r.raw)
			}
			other := newCase("11010519491231002X", "13800138063")
			setStatus(fresh, "manual_review")
			setStatus(other, "manual_review")
			for _, id := range []string{fresh, other} {
				if r := do(t, srv, "POST", "/api/v1/review/verifications/"+id+"/decision", rev, `{"status":"approved"}`); r.status != 200 {
					t.Fatalf("review: %d %s", r.status, r.raw)
				}
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/recover", tok, `{"case_id":"`+other+`"}`); r.code() != "RECOVERY_CASE_OTHER_PERSON" {
				t.Fatalf("another person's case: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/recover", tok, `{"case_id":"`+first+`"}`); r.code() != "RECOVERY_CASE_NOT_APPROVED" {
				t.Fatalf("a case the engine approved: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/recover", rev, `{"case_id":"`+fresh+`"}`); r.status != 403 { // staff recover no phone by a case (the permission table)
				t.Fatalf("someone else's case: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/phone/recover", tok, `{"case_id":"`+fresh+`"}`); r.status != 200 {
				t.Fatalf("recover: %d %s", r.status, r.raw)
			}
			login(t, srv, `"phone":"13800138062"`, "long enough pass")
		})
	}
}
