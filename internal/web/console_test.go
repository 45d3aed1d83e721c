package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

type consoleEnv struct {
	srv    *httptest.Server
	app    *app.App
	db     *sqlstore.DB
	sender *codeSender
}

func newConsoleServer(t *testing.T) *consoleEnv {
	db := sqltest.Open(t, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	reader := &cardReader{fields: map[document.Kind]verification.ReadFields{
		document.KindIDFront: {"name": {Value: cardName, Confidence: 0.99}, "id_number": {Value: cardNumber, Confidence: 0.99},
			"birth_date": {Value: "1990-03-07", Confidence: 0.99}, "sex": {Value: "male", Confidence: 0.99}},
		document.KindIDBack: {"valid_until": {Value: "2036-01-01", Confidence: 0.99}},
	}}
	sender := &codeSender{last: map[string]string{}}
	a, err := app.New(context.Background(), app.Options{DB: db, Keys: sqltest.Keyring(t), DataDir: t.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg, Reader: reader, Sender: sender,
		MaxUpload: 8 << 20, Poll: 20 * time.Millisecond,
		PhoneLimits: &verification.PhoneLimits{PerUserDay: 10, MaxFailures: 20}})
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
	return &consoleEnv{srv: srv, app: a, db: db, sender: sender}
}

// customerCase registers a customer and submits a complete case with the
// card of cardReader through the API, returning the client and case id.
func customerCase(t *testing.T, env *consoleEnv, email, phone string) (*apiClient, string) {
	t.Helper()
	c := &apiClient{t: t, base: env.srv.URL}
	c.call("POST", "/api/v1/auth/register", "application/json", strings.NewReader(`{"email":"`+email+`","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`))
	c.token = c.call("POST", "/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"long enough pass"}`))["token"].(string)
	c.call("POST", "/api/v1/consents", "application/json", strings.NewReader(`{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`))
	id := c.call("POST", "/api/v1/verifications", "", nil)["verification"].(map[string]any)["id"].(string)
	c.call("PUT", "/api/v1/verifications/"+id+"/applicant", "application/json",
		strings.NewReader(`{"full_name":"`+cardName+`","id_type":"cn_resident","id_number":"`+cardNumber+`","phone":"`+phone+`"}`))
	c.call("POST", "/api/v1/verifications/"+id+"/phone/send", "", nil)
	c.call("POST", "/api/v1/verifications/"+id+"/phone/confirm", "application/json", strings.NewReader(`{"code":"`+env.sender.code("+86"+phone)+`"}`))
	for kind, f := range map[string]string{"id_front": "004_good.jpg", "id_back": "010_good.jpg"} {
		p, _ := filepath.Abs(filepath.Join("..", "document", "testdata", "calib", f))
		c.uploadAndAttach(id, kind, p)
	}
	c.call("POST", "/api/v1/verifications/"+id+"/submit", "", nil)
	return c, id
}

func waitCase(t *testing.T, c *apiClient, id string, want ...string) map[string]any {
	t.Helper()
	for range 300 {
		v := c.call("GET", "/api/v1/verifications/"+id, "", nil)["verification"].(map[string]any)
		for _, w := range want {
			if v["status"] == w {
				return v
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("case %s never reached %v", id, want)
	return nil
}

// consoleBrowser is headless Chromium at 1280 px (the console's size).
func consoleBrowser(t *testing.T) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed; run scripts/setup.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	actx, cancel1 := context.WithTimeout(actx, 120*time.Second)
	t.Cleanup(cancel1)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// staffLogin logs a reviewer in through the login page: at the first
// login the enrolment page shows the QR code and the secret, and the code
// computed from the secret turns the second factor on; later logins type
// a code. It returns the secret.
func staffLogin(t *testing.T, ctx context.Context, base, email, secret string) string {
	t.Helper()
	if err := do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(css("#account")),
		chromedp.SendKeys(css("#account"), email), chromedp.SendKeys(css("#password"), "reviewer password")); err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		// A code not used yet: the next step's (accepted for clock drift).
		if err := do(ctx, chromedp.SendKeys(css("#totp_code"), identity.TOTPCodeBase32(secret, time.Now().Add(30*time.Second))),
			chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#queue"))); err != nil {
			t.Fatalf("login with a code: %v\n%s", err, pageText(ctx))
		}
		return secret
	}
	if err := do(ctx, chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#totp-secret")),
		into(&secret, chromedp.Text(css("#totp-secret")))); err != nil {
		t.Fatalf("enrolment page: %v\n%s", err, pageText(ctx))
	}
	screenshot(t, ctx, "console-totp-enrol-"+strings.SplitN(email, "@", 2)[0])
	if err := do(ctx, chromedp.SendKeys(css("#code"), identity.TOTPCodeBase32(secret, time.Now())), chromedp.Click(css("#totp-confirm")),
		chromedp.WaitVisible(css("#recovery-codes"))); err != nil {
		t.Fatalf("enrolment: %v\n%s", err, pageText(ctx))
	}
	return secret
}

func logout(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	var st int
	if err := do(ctx, into(&st, chromedp.Evaluate[int](`fetch('/logout', {method: 'POST'}).then(r => r.status)`, chromedp.EvalAwaitPromise))); err != nil {
		t.Fatal(err)
	}
}

// TestConsole is the "done when": a reviewer logs in with a TOTP
// code, claims a case from the queue, reveals a field (an audit entry
// appears), asks for a new ID photo (the customer then sees that reason
// and only that step open), and a second reviewer confirms a final
// rejection the first proposed; the first cannot confirm their own.
func TestConsole(t *testing.T) {
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			env := newConsoleServer(t)
			base := env.srv.URL
			first, _ := customerCase(t, env, "first-"+lang+"@example.com", "13800138011")
			_ = first
			// The same identity twice more: each goes to a person.
			dup, dupID := customerCase(t, env, "dup-"+lang+"@example.com", "13800138012")
			waitCase(t, dup, dupID, "manual_review")
			dup2, dup2ID := customerCase(t, env, "dup2-"+lang+"@example.com", "13800138013")
			waitCase(t, dup2, dup2ID, "manual_review")
			for _, e := range []string{"rev1@example.com", "rev2@example.com"} {
				if _, err := env.app.Accounts.Register(context.Background(), identity.RegisterInput{Email: e, Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
					t.Fatal(err)
				}
			}
			ctx := consoleBrowser(t)
			if err := do(ctx, chromedp.Navigate(base+"/lang/"+lang)); err != nil {
				t.Fatal(err)
			}
			secret1 := staffLogin(t, ctx, base, "rev1@example.com", "")
			screenshot(t, ctx, "console-totp-recovery-"+lang)
			logout(t, ctx, base)
			staffLogin(t, ctx, base, "rev1@example.com", secret1)
			screenshot(t, ctx, "console-queue-"+lang)

			// Claim the first duplicate from the queue.
			if err := do(ctx, chromedp.Click(css(`tr[data-item="manual_review:`+dupID+`"] button.claim`)), chromedp.WaitVisible(css("#decide"))); err != nil {
				t.Fatalf("claim: %v\n%s", err, pageText(ctx))
			}
			var masked, shown string
			if err := do(ctx, into(&masked, chromedp.Text(css(`td[data-field="full_name"]`))),
				chromedp.SendKeys(css(`#applicant tr:first-child input[name="purpose"]`), "compare with the linked account"),
				chromedp.Click(css(`#applicant tr:first-child button`)),
				chromedp.WaitVisible(css(`td[data-field="full_name"][data-revealed]`)),
				into(&shown, chromedp.Text(css(`td[data-field="full_name"][data-revealed]`)))); err != nil {
				t.Fatalf("reveal: %v\n%s", err, pageText(ctx))
			}
			if masked != "张**" || shown != cardName {
				t.Fatalf("masked %q, revealed %q", masked, shown)
			}
			evs, err := env.db.Audit().Events(context.Background(), 0, 500)
			if err != nil {
				t.Fatal(err)
			}
			found, logins := false, 0
			for _, e := range evs {
				found = found || e.Action == "case.reveal" && e.Subject == dupID && strings.HasPrefix(e.Detail, "full_name: compare")
				if e.Action == "staff.login" && strings.HasSuffix(e.Detail, "(web)") {
					logins++
				}
			}
			if !found || logins != 2 {
				t.Fatalf("audit: reveal recorded %v, %d staff logins (want 2)", found, logins)
			}
			screenshot(t, ctx, "console-case-"+lang)
			// Ask for a new photo of the ID's front, with a message.
			if err := do(ctx, chromedp.Click(css(`input[name="status"][value="retry_required"]`)),
				chromedp.Click(css(`input[name="reason"][value="DOCUMENT_UNREADABLE@id_front"]`)),
				chromedp.SendKeys(css("#comment"), "请在光线充足处重新拍摄人像面。"),
				chromedp.SendKeys(css("#note"), "internal: glare on the hologram"),
				chromedp.Click(css("#decide-submit")), chromedp.WaitVisible(css("#flash"))); err != nil {
				t.Fatalf("ask for a photo: %v\n%s", err, pageText(ctx))
			}
			v := waitCase(t, dup, dupID, "retry_required")
			var redo []string
			for _, s := range v["steps"].([]any) {
				if st := s.(map[string]any); st["redo"] == true {
					redo = append(redo, st["step"].(string))
				}
			}
			reasons := ""
			for _, r := range v["reasons"].([]any) {
				reasons += r.(map[string]any)["code"].(string) + " "
			}
			if strings.Join(redo, ",") != "documents:id_front" || !strings.Contains(reasons, "DOCUMENT_UNREADABLE") || v["reviewer_comment"] != "请在光线充足处重新拍摄人像面。" {
				t.Fatalf("customer's view: redo %v reasons %q comment %v", redo, reasons, v["reviewer_comment"])
			}

			// A final rejection: proposed by the first, refused to the first, confirmed by the second.
			if err := do(ctx, chromedp.Navigate(base+"/review/cases/"+dup2ID), chromedp.WaitVisible(css("#decide")),
				chromedp.Click(css(`input[name="status"][value="rejected"]`)),
				chromedp.Click(css(`input[name="reason"][value="DUPLICATE_IDENTITY"]`)),
				chromedp.Click(css("#decide-submit")), chromedp.WaitVisible(css("#waiting"))); err != nil {
				t.Fatalf("propose a rejection: %v\n%s", err, pageText(ctx))
			}
			screenshot(t, ctx, "console-waiting-"+lang)
			var refusal string
			if err := do(ctx, chromedp.Click(css(`input[name="status"][value="rejected"]`)),
				chromedp.Click(css("#decide-submit")), chromedp.WaitVisible(css("#form-error")),
				into(&refusal, chromedp.Text(css("#form-error")))); err != nil {
				t.Fatalf("confirm one's own: %v\n%s", err, pageText(ctx))
			}
			if !strings.Contains(refusal, map[string]string{"en": "second reviewer", "zh-CN": "另一位审核员"}[lang]) {
				t.Fatalf("refusal: %q", refusal)
			}
			if st := waitCase(t, dup2, dup2ID, "manual_review", "rejected")["status"]; st != "manual_review" {
				t.Fatalf("rejected by one reviewer: %v", st)
			}
			logout(t, ctx, base)
			staffLogin(t, ctx, base, "rev2@example.com", "")
			if err := do(ctx, chromedp.Navigate(base+"/review/cases/"+dup2ID), chromedp.WaitVisible(css("#waiting")),
				chromedp.Click(css(`input[name="status"][value="rejected"]`)),
				chromedp.Click(css("#decide-submit")), chromedp.WaitVisible(css("#flash"))); err != nil {
				t.Fatalf("second reviewer: %v\n%s", err, pageText(ctx))
			}
			if st := waitCase(t, dup2, dup2ID, "rejected")["status"]; st != "rejected" {
				t.Fatalf("after the second reviewer: %v", st)
			}
			screenshot(t, ctx, "console-confirmed-"+lang)
			// A tablet held upright: one column.
			if err := do(ctx, chromedp.EmulateViewport(820, 1180), chromedp.Navigate(base+"/review/cases/"+dupID), chromedp.WaitVisible(css("#decide"))); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "console-tablet-"+lang)

			// The customer's status page shows the reason asked for.
			logout(t, ctx, base)
			var status string
			if err := do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(css("#account")),
				chromedp.SendKeys(css("#account"), "dup-"+lang+"@example.com"), chromedp.SendKeys(css("#password"), "long enough pass"),
				chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#account-login")),
				chromedp.Navigate(base+"/verify/"+dupID), chromedp.WaitVisible(css("#screen-status")),
				chromedp.Sleep(300*time.Millisecond),
				into(&status, chromedp.Text(css("#screen-status")))); err != nil {
				t.Fatalf("customer's status page: %v\n%s", err, pageText(ctx))
			}
			if want := map[string]string{"en": "We could not read your document clearly", "zh-CN": "我们无法清楚识别您的证件"}[lang]; !strings.Contains(status, want) ||
				!strings.Contains(status, "请在光线充足处重新拍摄人像面。") || strings.Contains(status, "hologram") {
				t.Fatalf("the status page does not show the reason %q and the reviewer's message (only):\n%s", want, status)
			}
			screenshot(t, ctx, "console-customer-status-"+lang)
		})
	}
}
