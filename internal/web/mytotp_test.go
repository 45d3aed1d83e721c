package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// TestCustomerTurnsOnTOTP: a customer opens the two-factor page from the
// security page (both languages), turns it on with a code, gets recovery
// codes, and the next login needs a code.
func TestCustomerTurnsOnTOTP(t *testing.T) {
	srv, _, _ := newDevServer(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if st := apiStatus(t, srv, "POST", "/api/v1/auth/register", `{"email":"twofa@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d", st)
	}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"account": {"twofa@example.com"}, "password": {"long enough pass"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	get := func(path, lang string) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Language", lang)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	if !strings.Contains(get("/account/security", "en"), `href="/account/totp"`) {
		t.Fatal("the security page does not link the two-factor page")
	}
	if b := get("/account/totp", "zh-CN"); !strings.Contains(b, "两步验证") || !strings.Contains(b, `id="totp-qr"`) {
		t.Fatalf("zh-CN page:\n%s", b)
	}
	page := get("/account/totp", "en")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", page)
	}
	res, err = c.PostForm(srv.URL+"/account/totp", url.Values{"code": {identity.TOTPCodeBase32(m[1], time.Now())}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `id="recovery-codes"`) {
		t.Fatalf("turn on: %d\n%s", res.StatusCode, b)
	}
	if !strings.Contains(get("/account/totp", "en"), `id="totp-on"`) {
		t.Fatal("the page does not say it is on")
	}
	if st := apiStatus(t, srv, "POST", "/api/v1/auth/login", `{"email":"twofa@example.com","password":"long enough pass"}`); st != 401 {
		t.Fatalf("a login without the code: %d, want 401 TOTP_REQUIRED", st)
	}
}
