package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// TestWalletStatementPaging: the statement page shows 20 lines a page with
// a link to older ones, keeps its filters, and its CSV link carries them.
func TestWalletStatementPaging(t *testing.T) {
	env := newWizardServer(t, nil)
	if st, b := apiCall(t, env, "POST", "/api/v1/auth/register", "", `{"email":"many@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d %v", st, b["_raw"])
	}
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"many@example.com","password":"long enough pass"}`)
	tok := b["token"].(string)
	_, me := apiCall(t, env, "GET", "/api/v1/me", tok, "")
	id := me["user"].(map[string]any)["id"].(string)
	key, _, err := env.app.Surface.APIKeys.Create(context.Background(), "bank", []string{wallet.ScopeDeposit})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if st, b := apiCall(t, env, "POST", "/api/v1/admin/wallet/deposits", key,
			fmt.Sprintf(`{"user_id":"%s","asset":"CNY","amount":"%d.01","reference":"r%d"}`, id, i+1, i)); st != 201 {
			t.Fatalf("deposit: %d %v", st, b["_raw"])
		}
	}
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", env.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
		req.Header.Set("Accept-Language", "en")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		return string(body)
	}
	rows := regexp.MustCompile(`<td class="num">CNY ([0-9.]+)</td>`)
	first := get("/wallet/statement?type=deposit")
	if n := len(rows.FindAllString(first, -1)); n != 20 || !strings.Contains(first, "CNY 25.01") {
		t.Fatalf("first page: %d lines\n%s", n, first)
	}
	more := regexp.MustCompile(`href="(/wallet/statement\?[^"]+)" id="statement-more"`).FindStringSubmatch(first)
	if more == nil || !strings.Contains(more[1], "type=deposit") {
		t.Fatalf("no link to older lines: %s", first)
	}
	second := get(strings.ReplaceAll(more[1], "&amp;", "&"))
	if n := len(rows.FindAllString(second, -1)); n != 5 || !strings.Contains(second, "CNY 1.01") || strings.Contains(second, `id="statement-more"`) {
		t.Fatalf("second page: %d lines\n%s", n, second)
	}
	if !strings.Contains(first, `href="/api/v1/wallet/statement.csv?type=deposit"`) {
		t.Fatalf("CSV link without the filter: %s", first)
	}
	if none := get("/wallet/statement?type=withdrawal"); !strings.Contains(none, `id="statement-none"`) {
		t.Fatalf("filtered to nothing: %s", none)
	}
}

// TestWalletPagesMaintenance: during a maintenance window the wallet's
// forms refuse to move money as the API does (503, the window's end and
// what to do), keep what was typed, and work again once it is over.
func TestWalletPagesMaintenance(t *testing.T) {
	env := newWizardServer(t, nil)
	if st, b := apiCall(t, env, "POST", "/api/v1/auth/register", "", `{"email":"paused@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d %v", st, b["_raw"])
	}
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"paused@example.com","password":"long enough pass"}`)
	tok := b["token"].(string)
	post := func(path, form, lang string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", env.srv.URL+path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
		req.Header.Set("Accept-Language", lang)
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	win, err := env.app.Notices.Start(context.Background(), time.Hour, notice.Text{EN: "Bank upgrade.", ZH: "银行系统升级。"})
	if err != nil {
		t.Fatal(err)
	}
	end := win.EndsAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	for _, c := range []struct{ path, form, kept string }{
		{"/wallet/payment-password", "payment_password=246810&payment_password_again=246810&password=long+enough+pass", ""},
		{"/wallet/withdraw", "asset=CNY&amount=20&destination=6222020200112233445&payment_password=246810", `value="6222020200112233445"`},
		{"/wallet/send", "to=a%40example.com&payee_id=usr_x&masked_name=*%E9%9B%B7&asset=CNY&amount=12.5&memo=lunch&payment_password=246810", `value="12.5"`},
		{"/wallet/receive", "asset=CNY&amount=8.8&memo=tea", `value="8.8"`},
	} {
		for _, lang := range []string{"en", "zh-CN"} {
			st, body := post(c.path, c.form, lang)
			want := map[string]string{"en": "under maintenance until " + end, "zh-CN": "钱包正在维护，预计于北京时间 " + end}[lang]
			if st != http.StatusServiceUnavailable || !strings.Contains(body, want) || !strings.Contains(body, `id="form-error"`) {
				t.Fatalf("%s %s during maintenance: %d, want 503 with %q\n%s", c.path, lang, st, want, body)
			}
			if c.kept != "" && !strings.Contains(body, c.kept) {
				t.Fatalf("%s: what was typed (%s) is gone\n%s", c.path, c.kept, body)
			}
		}
	}
	if _, err := env.app.Notices.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The window is over: the wallet's own rules answer again (this
	// customer is not verified yet, which the page says, with the link).
	if st, body := post("/wallet/withdraw", "asset=CNY&amount=20&destination=6222020200112233445&payment_password=246810", "en"); st == http.StatusServiceUnavailable ||
		strings.Contains(body, "maintenance") || !strings.Contains(body, `<a href="/verify">`) {
		t.Fatalf("after maintenance: %d\n%s", st, body)
	}
}

// TestStatusPageLanguage: the status page shows a maintenance window's note
// and an incident's title and updates in the page's language (the Chinese
// page showed the English ones: it compared the language with "zh").
func TestStatusPageLanguage(t *testing.T) {
	env := newWizardServer(t, nil)
	bg := context.Background()
	start := time.Now().Add(time.Hour)
	if _, err := env.app.Notices.Schedule(bg, start, start.Add(time.Hour), notice.Text{EN: "Bank upgrade.", ZH: "银行系统升级。"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.app.Notices.OpenIncident(bg, notice.IncidentInput{Component: "wallet",
		Title: notice.Text{EN: "Slow transfers", ZH: "转账缓慢"}, Body: notice.Text{EN: "We are looking into it.", ZH: "我们正在排查。"}}); err != nil {
		t.Fatal(err)
	}
	for lang, c := range map[string]struct{ want, not []string }{
		"zh-CN": {[]string{"银行系统升级。", "转账缓慢", "我们正在排查。"}, []string{"Bank upgrade.", "Slow transfers", "We are looking into it."}},
		"en":    {[]string{"Bank upgrade.", "Slow transfers", "We are looking into it."}, []string{"银行系统升级。", "转账缓慢", "我们正在排查。"}},
	} {
		req, _ := http.NewRequest("GET", env.srv.URL+"/status", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, w := range c.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s status page lacks %q", lang, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(string(body), n) {
				t.Errorf("%s status page shows %q", lang, n)
			}
		}
	}
}

// TestPayCodeSetPINComesBack: a payer without a payment password follows
// the pay page's link to set one and comes back to the receive code (it
// went to the wallet, and the code was lost).
func TestPayCodeSetPINComesBack(t *testing.T) {
	env := newWizardServer(t, nil)
	verifiedCustomer(t, env, "payer-pin@example.com", "张三丰", "110105199003072311", "13800138000")
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"payer-pin@example.com","password":"long enough pass"}`)
	tok := b["token"].(string)
	do := func(method, path, form string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, env.srv.URL+path, strings.NewReader(form))
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	if _, body := do("GET", "/wallet/payment-password?next=/pay/n5zrqwyq8xkq", ""); !strings.Contains(body, `<input type="hidden" name="next" value="/pay/n5zrqwyq8xkq">`) {
		t.Fatalf("the form forgot the code:\n%s", body)
	}
	if _, body := do("GET", "/wallet/payment-password?next=//evil.example/", ""); strings.Contains(body, `name="next"`) {
		t.Fatalf("an outside next was kept:\n%s", body)
	}
	res, body := do("POST", "/wallet/payment-password", "next=%2Fpay%2Fn5zrqwyq8xkq&payment_password=385912&payment_password_again=385912&password=long+enough+pass")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pay/n5zrqwyq8xkq" {
		t.Fatalf("after setting: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
}

// TestNotFoundKeepsLogin: a missing page keeps the logged-in header (it
// offered "Log in" and "Register" to a logged-in customer).
func TestNotFoundKeepsLogin(t *testing.T) {
	env := newWizardServer(t, nil)
	if st, b := apiCall(t, env, "POST", "/api/v1/auth/register", "", `{"email":"lost@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d %v", st, b["_raw"])
	}
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"lost@example.com","password":"long enough pass"}`)
	req, _ := http.NewRequest("GET", env.srv.URL+"/no/such/page", nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: b["token"].(string)})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(string(body), `id="nav-wallet"`) || strings.Contains(string(body), `href="/register"`) {
		t.Fatalf("404 page: %d\n%s", res.StatusCode, body)
	}
}
