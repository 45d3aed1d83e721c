package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/identity"
)

func get(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestFavicon: /favicon.ico is an embedded icon.
func TestFavicon(t *testing.T) {
	srv := newServer(t)
	res, body := get(t, srv.URL+"/favicon.ico")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(body, "\x00\x00\x01\x00") ||
		!strings.Contains(body, "PNG") || res.Header.Get("Cache-Control") != "public, max-age=86400" {
		t.Fatalf("favicon: %d %v %q", res.StatusCode, res.Header, body[:min(8, len(body))])
	}
	if _, page := get(t, srv.URL+"/login"); !strings.Contains(page, `<link rel="icon" href="/favicon.ico">`) {
		t.Fatal("pages do not link the icon")
	}
}

// TestStaticCacheHeaders: pages link static files by a content version;
// such a link may be cached for a year, any other request revalidates
// (ETag, 304).
func TestStaticCacheHeaders(t *testing.T) {
	srv := newServer(t)
	_, page := get(t, srv.URL+"/register")
	m := regexp.MustCompile(`href="(/static/style\.css\?v=([0-9a-f]{12}))"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no versioned stylesheet link in %s", page)
	}
	res, css := get(t, srv.URL+m[1])
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		res.Header.Get("ETag") != `"`+m[2]+`"` || !strings.Contains(css, "--accent") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("versioned: %d %v", res.StatusCode, res.Header)
	}
	for _, u := range []string{"/static/style.css", "/static/style.css?v=000000000000", "/static/wizard.js", "/static/camera.js"} {
		res, _ := get(t, srv.URL+u)
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || etag == "" {
			t.Fatalf("%s: %d %v", u, res.StatusCode, res.Header)
		}
		if res2, body := get(t, srv.URL+u, "If-None-Match", etag); res2.StatusCode != 304 || body != "" {
			t.Fatalf("%s revalidated: %d", u, res2.StatusCode)
		}
	}
	if res, _ := get(t, srv.URL+"/static/nope.js"); res.StatusCode != 404 {
		t.Fatalf("missing file: %d", res.StatusCode)
	}
	if res, _ := get(t, srv.URL+"/static/../web.go"); res.StatusCode == 200 {
		t.Fatal("escaped the static directory")
	}
}

// TestPolicyPages: the terms and the privacy policy are pages, in both
// languages, with their versions.
func TestPolicyPages(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ path, lang, want string }{
		{"/terms", "en", "Terms of service"},
		{"/terms", "zh-CN", "服务条款"},
		{"/privacy", "en", "Sensitive personal information"},
		{"/privacy", "zh-CN", "敏感个人信息"},
	} {
		res, body := get(t, srv.URL+tc.path, "Accept-Language", tc.lang)
		version := identity.DefaultPrivacyVersion
		if tc.path == "/terms" {
			version = identity.DefaultTermsVersion
		}
		if res.StatusCode != 200 || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="policy-version"`) ||
			!strings.Contains(body, version) {
			t.Fatalf("%s %s: %d %s", tc.path, tc.lang, res.StatusCode, body)
		}
	}
	if _, body := get(t, srv.URL+"/privacy", "Accept-Language", "zh-CN"); !strings.Contains(body, "个人信息保护法") {
		t.Fatal("privacy policy does not name the law")
	}
}

// TestRegisterKeepsInput: after an error the register page keeps what was
// typed and the ticked box, shows every field error at once and says why
// the password is empty; in English and Chinese, at 390 px.
func TestRegisterKeepsInput(t *testing.T) {
	srv := newServer(t)
	_, ctx := newBrowser(t)
	for _, tc := range []struct{ lang, account, pwErr, cleared, termsErr string }{
		{"en", "email address", "at least 8", "type it again", "accept the terms"},
		{"zh-CN", "邮箱", "至少需要 8", "重新输入", "同意服务条款"},
	} {
		var accErr, pwErr, cleared, value, pw, termsErr string
		var checked bool
		err := do(ctx,
			chromedp.Navigate(srv.URL+"/lang/"+tc.lang+"?back=/register"),
			chromedp.WaitVisible(css("#submit")),
			chromedp.SendKeys(css("#account"), "not-an-address@"),
			chromedp.SendKeys(css("#password"), "short"),
			chromedp.Click(css("#accept")),
			chromedp.Click(css("#submit")),
			chromedp.WaitVisible(css("#err-password")),
			into(&accErr, chromedp.Text(css("#err-account"))),
			into(&pwErr, chromedp.Text(css("#err-password"))),
			into(&cleared, chromedp.Text(css("#password-cleared"))),
			into(&value, chromedp.Evaluate[string](`document.getElementById('account').value`)),
			into(&pw, chromedp.Evaluate[string](`document.getElementById('password').value`)),
			into(&checked, chromedp.Evaluate[bool](`document.getElementById('accept').checked`)),
		)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.lang, err, pageText(ctx))
		}
		if !strings.Contains(accErr, tc.account) || !strings.Contains(pwErr, tc.pwErr) || !strings.Contains(cleared, tc.cleared) {
			t.Fatalf("%s: errors %q %q %q", tc.lang, accErr, pwErr, cleared)
		}
		if value != "not-an-address@" || pw != "" || !checked {
			t.Fatalf("%s: kept account %q, password %q, box %v", tc.lang, value, pw, checked)
		}
		// Unticked: the terms error too, beside the box.
		err = do(ctx,
			chromedp.Click(css("#accept")),
			chromedp.Click(css("#submit")),
			chromedp.WaitVisible(css("#err-accept")),
			into(&termsErr, chromedp.Text(css("#err-accept"))),
			into(&checked, chromedp.Evaluate[bool](`document.getElementById('accept').checked`)),
		)
		if err != nil || !strings.Contains(termsErr, tc.termsErr) || checked || countNodes(ctx, ".field-error") != 3 {
			t.Fatalf("%s: terms error %q, box %v, %d errors: %v", tc.lang, termsErr, checked, countNodes(ctx, ".field-error"), err)
		}
	}
}

const phoneUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36"

// cdpDo runs a DevTools command on the tab.
func cdpDo[P any](cmd cdp.Command[P, cdp.Empty], p P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, p)
		return err
	})
}

// TestAccountAndInbox: the account page shows the verification level,
// the latest case's status and the next step with its link, the role in
// the page's language, devices by name, and dates in the browser's time
// zone; the inbox lists the decision. English and Chinese, at 390 px.
func TestAccountAndInbox(t *testing.T) {
	env := newWizardServer(t, nil)
	_, ctx := newBrowser(t)
	if err := do(ctx,
		cdpDo(emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}),
		cdpDo(emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: phoneUA}),
	); err != nil {
		t.Fatal(err)
	}
	registerAndLogin(t, ctx, env.srv, "account@example.com")
	read := func(sels ...string) map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, s := range sels {
			var v string
			if err := do(ctx, into(&v, chromedp.Text(css(s)))); err != nil {
				t.Fatalf("%s: %v\n%s", s, err, pageText(ctx))
			}
			out[s] = v
		}
		return out
	}
	var href string
	got := read("#account-role", "#account-level", "#account-next", "#sessions .device")
	if err := do(ctx, into(&href, chromedp.Evaluate[string](`document.getElementById('account-next-link').getAttribute('href')`))); err != nil {
		t.Fatal(err)
	}
	if got["#account-role"] != "Customer" || got["#account-level"] != "Not verified yet" || href != "/verify" ||
		!strings.Contains(got["#sessions .device"], "Chrome 131 on Android") || strings.Contains(got["#sessions .device"], "Mozilla") {
		t.Fatalf("new account: %v %q", got, href)
	}
	// Dates in the browser's zone (Tokyo), named.
	var since string
	if err := do(ctx, into(&since, chromedp.Text(css("dd time")))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(since, "GMT+9") {
		t.Fatalf("registered at %q, want Tokyo time", since)
	}
	id := startCase(t, ctx)
	if err := do(ctx, chromedp.Navigate(env.srv.URL+"/account"), chromedp.WaitVisible(css("#account-status"))); err != nil {
		t.Fatal(err)
	}
	got = read("#account-status", "#account-next", "#account-next-link")
	if err := do(ctx, into(&href, chromedp.Evaluate[string](`document.getElementById('account-next-link').getAttribute('href')`))); err != nil {
		t.Fatal(err)
	}
	if got["#account-status"] == "" || got["#account-next-link"] != "Continue the verification" || href != "/verify/"+id {
		t.Fatalf("draft: %v %q", got, href)
	}
	// The inbox is empty before a decision.
	if err := do(ctx, chromedp.Click(css("#nav-inbox")), chromedp.WaitVisible(css("#inbox-empty"))); err != nil {
		t.Fatal(err)
	}
	if err := do(ctx, chromedp.Navigate(env.srv.URL+"/verify/"+id), chromedp.WaitVisible(css("#f-full_name"))); err != nil {
		t.Fatal(err)
	}
	fillApplicant(t, ctx, cardName)
	confirmPhone(t, ctx, env)
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	submitAndWait(t, ctx, "approved")
	for _, tc := range []struct{ lang, role, level, msg, next string }{
		{"en", "Customer", "Standard", "Your identity is verified", "You are verified"},
		{"zh-CN", "客户", "标准认证", "您的实名认证已通过", "您已完成实名认证"},
	} {
		if err := do(ctx, chromedp.Navigate(env.srv.URL+"/lang/"+tc.lang+"?back=/account"), chromedp.WaitVisible(css("#account-level"))); err != nil {
			t.Fatal(err)
		}
		got = read("#account-role", "#account-level", "#account-next", "#sessions .device")
		if err := do(ctx, into(&href, chromedp.Evaluate[string](`document.getElementById('account-next-link').getAttribute('href')`))); err != nil {
			t.Fatal(err)
		}
		// Verified: the next step is the wallet (the level decides what it allows).
		if got["#account-role"] != tc.role || got["#account-level"] != tc.level || !strings.Contains(got["#account-next"], tc.next) ||
			!strings.Contains(got["#sessions .device"], "Chrome 131") || href != "/wallet" {
			t.Fatalf("%s approved: %v %q", tc.lang, got, href)
		}
		var msg, link string
		if err := do(ctx, chromedp.Click(css("#nav-inbox")), chromedp.WaitVisible(css("#inbox")),
			into(&msg, chromedp.Text(css("#inbox .message-text"))),
			into(&link, chromedp.Evaluate[string](`document.querySelector('#inbox a').getAttribute('href')`))); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, tc.msg) || link != "/verify/"+id {
			t.Fatalf("%s inbox: %q %q", tc.lang, msg, link)
		}
	}
}

// TestWizardConsentGate: before the first step that collects sensitive
// data the wizard asks for the separate consent (PIPL art. 29), with the
// privacy policy's version and links; nothing goes on without the tick.
func TestWizardConsentGate(t *testing.T) {
	env := newWizardServer(t, nil)
	_, ctx := newBrowser(t)
	for _, tc := range []struct{ lang, required, accept string }{
		{"en", "Please tick the box", "version " + identity.DefaultPrivacyVersion},
		{"zh-CN", "请勾选同意", "版本 " + identity.DefaultPrivacyVersion},
	} {
		registerAndLoginNoConsent(t, ctx, env.srv, "gate-"+tc.lang+"@example.com")
		var errText, accept, privacy string
		var formShown bool
		err := do(ctx,
			chromedp.Navigate(env.srv.URL+"/lang/"+tc.lang+"?back=/verify"),
			chromedp.WaitVisible(css("#verify-start")),
			chromedp.Click(css("#verify-start")),
			chromedp.WaitVisible(css("#screen-consent")),
			into(&accept, chromedp.Text(css("#consent-text"))),
			into(&privacy, chromedp.Evaluate[string](`document.getElementById('consent-privacy').getAttribute('href')`)),
			into(&formShown, chromedp.Evaluate[bool](`!document.getElementById('screen-applicant').hidden`)),
			chromedp.Click(css("#consent-continue")),
			chromedp.WaitVisible(css("#consent-error")),
			into(&errText, chromedp.Text(css("#consent-error"))),
		)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.lang, err, pageText(ctx))
		}
		if formShown || !strings.Contains(errText, tc.required) || !strings.Contains(accept, tc.accept) || privacy != "/privacy#sensitive" {
			t.Fatalf("%s: form shown %v, error %q, text %q, link %q", tc.lang, formShown, errText, accept, privacy)
		}
		var consents string
		err = do(ctx,
			chromedp.Click(css("#consent-accept")),
			chromedp.Click(css("#consent-continue")),
			chromedp.WaitVisible(css("#f-full_name")),
			into(&consents, chromedp.Evaluate[string](`fetch('/api/v1/me').then(r => r.text())`, chromedp.EvalAwaitPromise)),
		)
		if err != nil || !strings.Contains(consents, `"document":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"`) {
			t.Fatalf("%s: after consent %v %s", tc.lang, err, consents)
		}
		// Given once, not asked again.
		if err := do(ctx, chromedp.Reload(), chromedp.WaitVisible(css("#f-full_name"))); err != nil || countNodes(ctx, "#screen-consent:not([hidden])") != 0 {
			t.Fatalf("%s: asked again: %v", tc.lang, err)
		}
		if err := do(ctx, chromedp.Navigate(env.srv.URL+"/account"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#password"))); err != nil {
			t.Fatal(err)
		}
	}
}
