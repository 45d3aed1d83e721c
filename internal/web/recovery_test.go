package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// syncBuffer is a log destination tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newDevServer starts the application as `serve --dev` runs it: one-time
// codes go to the log (the development sender), here a buffer.
func newDevServer(t *testing.T) (*httptest.Server, *app.App, *syncBuffer) {
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	a, err := app.New(context.Background(), app.Options{DB: sqltest.Open(t, "sqlite"), Keys: sqltest.Keyring(t), DataDir: t.TempDir(),
		Log: log, Accounts: cfg, Sender: verification.LogSender{Log: log}, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		a.Stop(sctx)
		cancel()
	})
	return srv, a, logs
}

var logCode = regexp.MustCompile(`"msg":"development one-time code[^"]*","code":"(\d{6})"`)

// codeFromLog waits for the n-th one-time code in the development log.
func codeFromLog(t *testing.T, logs *syncBuffer, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := logCode.FindAllStringSubmatch(logs.String(), -1); len(m) >= n {
			return m[n-1][1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no code in the log:\n%s", logs.String())
	return ""
}

func apiStatus(t *testing.T, srv *httptest.Server, method, path, body string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestBrowserPasswordRecovery: a customer who forgot the password recovers
// it with the SMS code from the development log; every old session (this
// browser's and an API token) is dead; wallet sends are blocked for 24
// hours, recorded and exposed (the wallet's refusal is wired at merge),
// and the security page says until when, in both languages.
func TestBrowserPasswordRecovery(t *testing.T) {
	srv, a, logs := newDevServer(t)
	_, ctx := newBrowser(t)
	const phone = "13900139000"
	if st := apiStatus(t, srv, "POST", "/api/v1/auth/register", `{"phone":"`+phone+`","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d", st)
	}
	// An API session, from elsewhere.
	res, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"phone":"`+phone+`","password":"long enough pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := regexp.MustCompile(`"token":"([^"]+)"`).FindStringSubmatch(string(body))[1]
	// The browser's session.
	if err := do(ctx, chromedp.Navigate(srv.URL+"/login"), chromedp.SendKeys(css("#account"), phone),
		chromedp.SendKeys(css("#password"), "long enough pass"), chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#account-login"))); err != nil {
		t.Fatalf("login: %v", err)
	}
	var cookies []*network.Cookie
	if err := do(ctx, chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		r, err := cdp.Call(c, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
		if err == nil {
			cookies = r.Cookies
		}
		return err
	})); err != nil {
		t.Fatal(err)
	}
	var oldCookie string
	for _, c := range cookies {
		if c.Name == "vw_session" {
			oldCookie = c.Value
		}
	}
	if oldCookie == "" {
		t.Fatal("no session cookie")
	}

	// Forgot: from the login page, by phone.
	if err := do(ctx, chromedp.Navigate(srv.URL+"/login"), chromedp.Click(css("#forgot")),
		chromedp.WaitVisible(css("#account")), chromedp.SendKeys(css("#account"), phone), chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#forgot-sent"))); err != nil {
		t.Fatalf("forgot: %v\n%s", err, pageText(ctx))
	}
	screenshot(t, ctx, "recovery-sent-en")
	code := codeFromLog(t, logs, 1)
	before := time.Now()
	if err := do(ctx, chromedp.Click(css("#forgot-next")), chromedp.WaitVisible(css("#code")),
		chromedp.SendKeys(css("#code"), code), chromedp.SendKeys(css("#password"), "my new secret words"), chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#notice"))); err != nil {
		t.Fatalf("reset: %v\n%s", err, pageText(ctx))
	}
	var notice string
	if err := do(ctx, into(&notice, chromedp.Text(css("#notice")))); err != nil || !strings.Contains(notice, "reset") {
		t.Fatalf("notice %q %v", notice, err)
	}
	// Every old session is dead.
	if st := apiStatus(t, srv, "GET", "/api/v1/me", "", "Authorization", "Bearer "+token); st != 401 {
		t.Fatalf("API session after the reset: %d", st)
	}
	if st := apiStatus(t, srv, "GET", "/api/v1/me", "", "Cookie", "vw_session="+oldCookie); st != 401 {
		t.Fatalf("browser session after the reset: %d", st)
	}
	// The new password logs in; the security page shows the block and the alert.
	if err := do(ctx, chromedp.SendKeys(css("#account"), phone), chromedp.SendKeys(css("#password"), "my new secret words"),
		chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#account-security")), chromedp.Click(css("#account-security")),
		chromedp.WaitVisible(css("#sends-blocked"))); err != nil {
		t.Fatalf("login with the new password: %v\n%s", err, pageText(ctx))
	}
	var untilAttr, blockedText, alert string
	if err := do(ctx, into(&untilAttr, chromedp.Evaluate[string](`document.getElementById('sends-blocked').dataset.until`)),
		into(&blockedText, chromedp.Text(css("#sends-blocked"))), into(&alert, chromedp.Text(css("#alerts [data-kind=password_reset]")))); err != nil {
		t.Fatal(err)
	}
	until, err := time.Parse(time.RFC3339, untilAttr)
	if err != nil || until.Before(before.Add(24*time.Hour-time.Minute)) || until.After(time.Now().Add(24*time.Hour+time.Minute)) {
		t.Fatalf("blocked until %q, want now+24h", untilAttr)
	}
	if !strings.Contains(blockedText, "paused until") || !strings.Contains(alert, "24 hours") {
		t.Fatalf("security page: %q / %q", blockedText, alert)
	}
	screenshot(t, ctx, "recovery-security-en")
	// The reset is in the inbox too.
	var inbox string
	if err := do(ctx, chromedp.Navigate(srv.URL+"/inbox"), chromedp.WaitVisible(css("#inbox")), into(&inbox, chromedp.Text(css("#inbox")))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inbox, "Your password was reset") || !strings.Contains(inbox, "Security") {
		t.Fatalf("inbox: %q", inbox)
	}
	// Recorded and exposed for the wallet.
	_, _, u, err := a.Accounts.Login(context.Background(), identity.LoginInput{Phone: phone, Password: "my new secret words"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Accounts.WalletSendsBlockedUntil(context.Background(), u.ID)
	if err != nil || got.Unix() != until.Unix() {
		t.Fatalf("WalletSendsBlockedUntil = %v, %v; want %v", got, err, until)
	}
	// In Chinese.
	if err := do(ctx, chromedp.Navigate(srv.URL+"/lang/zh-CN?back=/account/security"), chromedp.WaitVisible(css("#sends-blocked")),
		into(&blockedText, chromedp.Text(css("#sends-blocked")))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(blockedText, "暂停至") {
		t.Fatalf("zh security page: %q", blockedText)
	}
	screenshot(t, ctx, "recovery-security-zh")
	if err := do(ctx, chromedp.Navigate(srv.URL+"/forgot"), chromedp.WaitVisible(css("#account"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "recovery-forgot-zh")
	if err := do(ctx, chromedp.Navigate(srv.URL+"/reset?phone="+phone), chromedp.WaitVisible(css("#code"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "recovery-reset-zh")
}

// TestAccountPagesRender: every account page renders in both languages
// for a logged-in customer (the forms without a browser).
func TestAccountPagesRender(t *testing.T) {
	srv, _, _ := newDevServer(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if st := apiStatus(t, srv, "POST", "/api/v1/auth/register", `{"email":"pages@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d", st)
	}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"account": {"pages@example.com"}, "password": {"long enough pass"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/account" {
		t.Fatalf("login ended at %s", res.Request.URL)
	}
	for _, lang := range []struct{ code, want string }{{"en", "Security"}, {"zh-CN", "账户安全"}} {
		for path, want := range map[string]string{
			"/forgot":           map[string]string{"en": "Forgot your password", "zh-CN": "找回密码"}[lang.code],
			"/reset?token=abc":  map[string]string{"en": "Choose a new password", "zh-CN": "设置新密码"}[lang.code],
			"/account/security": lang.want,
			"/account/password": map[string]string{"en": "Change password", "zh-CN": "修改密码"}[lang.code],
			"/account/phone":    map[string]string{"en": "Lost your old number?", "zh-CN": "原手机号已无法使用"}[lang.code],
			"/account/close":    map[string]string{"en": "Close my account", "zh-CN": "注销我的账户"}[lang.code],
			"/account/export":   map[string]string{"en": "Prepare my data", "zh-CN": "准备我的数据"}[lang.code],
		} {
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			req.Header.Set("Accept-Language", lang.code)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(b), want) {
				t.Errorf("%s %s: %d, want %q in\n%s", lang.code, path, res.StatusCode, want, b)
			}
		}
	}
	// The export page asks for an export, then offers its download.
	res, err = c.PostForm(srv.URL+"/account/export", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := c.Get(srv.URL + "/account/export")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(b), `id="export-download"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download offered:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
