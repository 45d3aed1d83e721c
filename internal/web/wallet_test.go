package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// apiCall makes one JSON API call and decodes the answer.
func apiCall(t *testing.T, env *wizardEnv, method, path, token, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, env.srv.URL+path, strings.NewReader(body))
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
	raw, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	out["_raw"] = string(raw)
	return res.StatusCode, out
}

// verifiedCustomer registers a customer and takes them through the basic
// verification through the API (the wizard has browser tests of its own).
func verifiedCustomer(t *testing.T, env *wizardEnv, email, name, number, phone string) string {
	t.Helper()
	if st, b := apiCall(t, env, "POST", "/api/v1/auth/register", "", `{"email":"`+email+`","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register: %d %v", st, b["_raw"])
	}
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"`+email+`","password":"long enough pass"}`)
	tok, _ := b["token"].(string)
	apiCall(t, env, "POST", "/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`)
	_, b = apiCall(t, env, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`)
	id, _ := b["verification"].(map[string]any)["id"].(string)
	if st, b := apiCall(t, env, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"}`); st != 200 {
		t.Fatalf("applicant: %d %v", st, b["_raw"])
	}
	apiCall(t, env, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
	apiCall(t, env, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+env.sender.code("+86"+phone)+`"}`)
	apiCall(t, env, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "s-"+id)
	for deadline := time.Now().Add(15 * time.Second); ; {
		_, b := apiCall(t, env, "GET", "/api/v1/verifications/"+id, tok, "")
		st, _ := b["verification"].(map[string]any)["status"].(string)
		if st == "approved" {
			break
		}
		if time.Now().After(deadline) || st == "rejected" || st == "manual_review" || st == "retry_required" {
			t.Fatalf("verification of %s: %v", email, b["_raw"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, b = apiCall(t, env, "GET", "/api/v1/me", tok, "")
	return b["user"].(map[string]any)["id"].(string)
}

// loginPage logs the browser in as email (logging out whoever was in).
func loginPage(t *testing.T, ctx context.Context, env *wizardEnv, email string) {
	t.Helper()
	if err := do(ctx,
		chromedp.Navigate(env.srv.URL+"/login"),
		chromedp.SendKeys(css("#account"), email),
		chromedp.SendKeys(css("#password"), "long enough pass"),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#account-login")),
	); err != nil {
		t.Fatalf("login %s: %v\n%s", email, err, pageText(ctx))
	}
}

// TestWalletBrowser: a verified customer sets a payment password, receives
// a deposit, pays another customer's receive code, both see their
// statements and the payer downloads the CSV; in English and in Chinese,
// with screenshots of each page when WALLET_SCREENSHOTS names a directory:
//
//	WALLET_SCREENSHOTS=$PWD/docs/screenshots/wallet go test -run TestWalletBrowser ./internal/web/
func TestWalletBrowser(t *testing.T) {
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) { walletBrowser(t, lang) })
	}
}

func walletBrowser(t *testing.T, lang string) {
	env := newWizardServer(t, nil)
	payer := verifiedCustomer(t, env, "payer@example.com", "张三丰", "110105199003072311", "13800138000")
	verifiedCustomer(t, env, "shop@example.com", "李雷", "110105198511223011", "13900139000")
	_, ctx := newBrowser(t)
	dir := os.Getenv("WALLET_SCREENSHOTS")
	shot := func(name string) {
		t.Helper()
		if dir == "" {
			return
		}
		var png []byte
		if err := do(ctx, chromedp.Sleep(200e6), into(&png, chromedp.CaptureScreenshot())); err != nil {
			t.Fatal(err)
		}
		small, err := shrinkPNG(png)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(filepath.Join(dir, lang), 0o755)
		if err := os.WriteFile(filepath.Join(dir, lang, name+".png"), small, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, pageText(ctx))
		}
	}
	text := func(sel string) string {
		t.Helper()
		var s string
		step("read "+sel, into(&s, chromedp.Text(css(sel))))
		return strings.TrimSpace(s)
	}
	step("language", chromedp.Navigate(env.srv.URL+"/lang/"+lang+"?back=/login"))

	// The payer sets a payment password; a trivial one is refused first.
	loginPage(t, ctx, env, "payer@example.com")
	step("wallet", chromedp.Click(css("#nav-wallet")), chromedp.WaitVisible(css("#wallet-pin-state")))
	step("pin form", chromedp.Click(css("#wallet-pin")), chromedp.WaitVisible(css("#payment_password")))
	step("trivial pin",
		chromedp.SendKeys(css("#payment_password"), "123456"), chromedp.SendKeys(css("#payment_password_again"), "123456"),
		chromedp.SendKeys(css("#password"), "long enough pass"), chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#form-error")))
	shot("1-payment-password-refused")
	step("pin",
		clearInput("#payment_password"), clearInput("#payment_password_again"), clearInput("#password"),
		chromedp.SendKeys(css("#payment_password"), "385912"), chromedp.SendKeys(css("#payment_password_again"), "385912"),
		chromedp.SendKeys(css("#password"), "long enough pass"), chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#wallet-done")))

	// The operator's payment system credits the payer with an API key.
	key, _, err := env.app.Surface.APIKeys.Create(context.Background(), "bank", []string{wallet.ScopeDeposit})
	if err != nil {
		t.Fatal(err)
	}
	if st, b := apiCall(t, env, "POST", "/api/v1/admin/wallet/deposits", key,
		`{"user_id":"`+payer+`","asset":"CNY","amount":"100","reference":"bank-`+lang+`"}`); st != 201 {
		t.Fatalf("deposit: %d %v", st, b["_raw"])
	}
	step("balance", chromedp.Navigate(env.srv.URL+"/wallet"), chromedp.WaitVisible(css(`#balances tr[data-asset="CNY"]`)))
	if got := text(`#balances tr[data-asset="CNY"] .available`); got != "100.00" {
		t.Fatalf("available after the deposit: %q", got)
	}
	// Basic may not withdraw: the page names the level needed, with /verify.
	step("withdraw needs", chromedp.WaitVisible(css("#wallet-withdraw-needs a[href='/verify']")))
	if want := map[string]string{"en": "Standard", "zh-CN": "标准认证"}[lang]; !strings.Contains(text("#wallet-withdraw-needs"), want) ||
		!strings.Contains(text("#wallet-level"), map[string]string{"en": "Basic", "zh-CN": "基础认证"}[lang]) {
		t.Fatalf("level notice: %s", pageText(ctx))
	}
	shot("2-wallet")

	// The shop makes a receive code for 12.50 CNY.
	step("logout", chromedp.Navigate(env.srv.URL+"/account"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#account")))
	loginPage(t, ctx, env, "shop@example.com")
	step("receive", chromedp.Navigate(env.srv.URL+"/wallet/receive"), chromedp.WaitVisible(css("#amount")),
		chromedp.SendKeys(css("#amount"), "12.5"), chromedp.SendKeys(css("#memo"), "午饭 lunch"), chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#code-qr")))
	var payPath string
	step("code link", into(&payPath, chromedp.Evaluate[string](`document.querySelector('#code-link').getAttribute('href')`)))
	if !strings.HasPrefix(payPath, "/pay/") || text("#code-payee") != "李*" || !strings.Contains(text("#code-amount"), "12.50") {
		t.Fatalf("receive code page: %s", pageText(ctx))
	}
	var qrOK bool
	step("qr", into(&qrOK, chromedp.Evaluate[bool](`(i => i.complete && i.naturalWidth >= 200)(document.querySelector('#code-qr'))`)))
	if !qrOK {
		t.Fatal("the QR image did not load")
	}
	shot("3-receive-code")

	// The payer opens the link (logged out: the login page brings them
	// back to it) and pays in one step.
	step("logout", chromedp.Navigate(env.srv.URL+"/account"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#account")))
	step("pay page", chromedp.Navigate(env.srv.URL+payPath), chromedp.WaitVisible(css("#account")),
		chromedp.SendKeys(css("#account"), "payer@example.com"), chromedp.SendKeys(css("#password"), "long enough pass"),
		chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#payment_password")))
	if text("#pay-payee") != "李*" || !strings.Contains(text("#pay-amount"), "12.50") {
		t.Fatalf("pay page: %s", pageText(ctx))
	}
	step("wrong pin", chromedp.SendKeys(css("#payment_password"), "385913"), chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#form-error")))
	shot("4-pay-wrong-password")
	step("pay", clearInput("#payment_password"), chromedp.SendKeys(css("#payment_password"), "385912"), chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#done-tx")))
	if !strings.Contains(text("#done-amount"), "12.50") || text("#done-to") != "李*" {
		t.Fatalf("done page: %s", pageText(ctx))
	}
	shot("5-paid")

	// Sending more than basic allows today names the level and links /verify.
	step("send form", chromedp.Navigate(env.srv.URL+"/wallet/send"), chromedp.WaitVisible(css("#to")),
		chromedp.SendKeys(css("#to"), "Shop@Example.com"), chromedp.Click(css("#find")), chromedp.WaitVisible(css("#payee-name")))
	if text("#payee-name") != "李*" {
		t.Fatalf("payee: %s", pageText(ctx))
	}
	step("over the limit", chromedp.SendKeys(css("#amount"), "80"), chromedp.SendKeys(css("#payment_password"), "385912"),
		chromedp.SendKeys(css("#memo"), "rent"), chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#done-tx")))
	step("send again", chromedp.Navigate(env.srv.URL+"/wallet/send?to=shop@example.com"), chromedp.WaitVisible(css("#amount")),
		chromedp.SendKeys(css("#amount"), "150"), chromedp.SendKeys(css("#payment_password"), "385912"), chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#form-error a[href='/verify']")))
	shot("6-over-limit")

	// The payer's statement and its CSV.
	step("statement", chromedp.Navigate(env.srv.URL+"/wallet/statement"), chromedp.WaitVisible(css("#statement")))
	st := text("#statement")
	if !strings.Contains(st, "-12.50") || !strings.Contains(st, "100.00") || !strings.Contains(st, "午饭 lunch") {
		t.Fatalf("payer's statement: %s", st)
	}
	shot("7-statement")
	var csv string
	step("csv", into(&csv, chromedp.Evaluate[string](`fetch(document.querySelector('#statement-csv').href).then(r => r.arrayBuffer()).then(b => {
		const u = new Uint8Array(b); return Array.from(u.slice(0, 3)).join(',') + '|' + new TextDecoder().decode(u) })`, chromedp.EvalAwaitPromise)))
	if !strings.HasPrefix(csv, "239,187,191|") || !strings.Contains(csv, ",-12.50,") || !strings.Contains(csv, ",100.00,") || !strings.Contains(csv, "午饭 lunch") {
		t.Fatalf("CSV: %q", csv)
	}

	// The shop's statement shows the money in.
	step("logout", chromedp.Navigate(env.srv.URL+"/account"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#account")))
	loginPage(t, ctx, env, "shop@example.com")
	step("shop statement", chromedp.Navigate(env.srv.URL+"/wallet/statement"), chromedp.WaitVisible(css("#statement")))
	if st := text("#statement"); !strings.Contains(st, "12.50") || strings.Contains(st, "-12.50") || !strings.Contains(st, "80.00") {
		t.Fatalf("shop's statement: %s", st)
	}
	step("shop wallet", chromedp.Navigate(env.srv.URL+"/wallet"), chromedp.WaitVisible(css(`#balances tr[data-asset="CNY"]`)))
	if got := text(`#balances tr[data-asset="CNY"] .available`); got != "92.50" {
		t.Fatalf("shop's balance: %q", got)
	}
	shot("8-shop-wallet")
}
