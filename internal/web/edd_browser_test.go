package web_test

import (
	"context"
	"encoding/json"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestWizardEDDSelfie: a high-risk customer at the standard level (the
// built-in levels, no selfie of its own) is asked for the enhanced level's
// fields and selfie (EDD_REQUIRED); the wizard then shows the new fields
// and a selfie slot among the documents, the selfie goes through the same
// upload path, the face checks run on it, and the case goes to a reviewer.
func TestWizardEDDSelfie(t *testing.T) {
	faces := &sameFaces{}
	rules := review.DefaultRiskRules()
	rules.HighRiskCountries = []string{"CHN"}
	env := newWizardServerWith(t, nil, func(o *app.Options) {
		o.Risk = &rules
		o.Faces = faces
		o.FaceThresholds = verification.FaceThresholds{Match: 0.5, Review: 0.3, Live: 0.5}
	})
	selfie := filepath.Join(t.TempDir(), "selfie.jpg")
	f, err := os.Create(selfie)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, selfieFrame(t), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "edd-wizard@example.com")
	startCase(t, ctx)
	fillApplicant(t, ctx, cardName)
	confirmPhone(t, ctx, env)
	if n := countNodes(ctx, "#doc-selfie"); n != 0 {
		t.Fatalf("a standard case shows a selfie slot before EDD (%d)", n)
	}
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	submitAndWait(t, ctx, "retry_required")

	var reasons string
	if err := do(ctx, into(&reasons, chromedp.Text(css("#screen-status")))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reasons, "selfie") || !strings.Contains(reasons, "your address") {
		t.Fatalf("status after EDD_REQUIRED: %s", reasons)
	}
	// The new fields, then the selfie slot.
	if err := do(ctx,
		chromedp.Click(css(`#stepbar li[data-screen="applicant"] button`)),
		chromedp.WaitVisible(css("#f-address")),
		chromedp.SendKeys(css("#f-address"), "北京市朝阳区建国路 1 号"),
		chromedp.SendKeys(css("#f-occupation"), "engineer"),
		chromedp.SendKeys(css("#f-source_of_funds"), "salary"),
		chromedp.Click(css("#applicant-next")),
		chromedp.WaitVisible(css("#screen-documents")),
		chromedp.WaitVisible(css("#camera-selfie")),
		chromedp.SetUploadFiles(css("#file-selfie"), []string{selfie}),
		chromedp.WaitVisible(css(`#doc-selfie[data-done="true"]`)),
		chromedp.Click(css("#documents-next")),
		chromedp.WaitVisible(css("#screen-submit")),
	); err != nil {
		t.Fatalf("EDD steps: %v\n%s", err, pageText(ctx))
	}
	submitAndWait(t, ctx, "manual_review")
	faces.mu.Lock()
	calls := slices.Clone(faces.calls)
	faces.mu.Unlock()
	if !slices.Equal(calls, []bool{true, false}) {
		t.Fatalf("face engine asked %v: want the selfie with liveness, then the portrait", calls)
	}
}

// TestWizardConsentAgain: a customer who consented to the privacy policy
// before the selfie (2026-11-01) is asked again by the wizard, told why
// (the policy changed, the version they agreed to), in both languages;
// agreeing records the current version and opens the form.
func TestWizardConsentAgain(t *testing.T) {
	const old = "2026-11-01"
	var db *sqlstore.DB
	env := newWizardServerWith(t, nil, func(o *app.Options) { db = o.DB })
	cfg := identity.DefaultConfig
	cfg.PrivacyVersion = old
	before := identity.NewService(db.Accounts(), cfg, nil, nil)
	_, ctx := newBrowser(t)
	for _, tc := range []struct{ lang, want string }{
		{"en", "Our privacy policy has changed since you agreed to it (you agreed to version " + old + ")"},
		{"zh-CN", "自您同意以来，我们的隐私政策已更新（您同意的是版本 " + old + "）"},
	} {
		registerAndLoginNoConsent(t, ctx, env.srv, "again-"+tc.lang+"@example.com")
		var me string
		if err := do(ctx, into(&me, chromedp.Evaluate[string](`fetch('/api/v1/me').then(r => r.text())`, chromedp.EvalAwaitPromise))); err != nil {
			t.Fatal(err)
		}
		var m struct{ User struct{ ID string } }
		if err := json.Unmarshal([]byte(me), &m); err != nil || m.User.ID == "" {
			t.Fatalf("me: %v %s", err, me)
		}
		if _, err := before.GiveConsent(context.Background(), m.User.ID, identity.ConsentSensitive, old); err != nil {
			t.Fatal(err)
		}
		var lead, accept, consents string
		if err := do(ctx,
			chromedp.Navigate(env.srv.URL+"/lang/"+tc.lang+"?back=/verify"),
			chromedp.WaitVisible(css("#verify-start")),
			chromedp.Click(css("#verify-start")),
			chromedp.WaitVisible(css("#screen-consent")),
			into(&lead, chromedp.Text(css("#consent-lead"))),
			into(&accept, chromedp.Text(css("#consent-text"))),
			chromedp.Click(css("#consent-accept")),
			chromedp.Click(css("#consent-continue")),
			chromedp.WaitVisible(css("#f-full_name")),
			into(&consents, chromedp.Evaluate[string](`fetch('/api/v1/me').then(r => r.text())`, chromedp.EvalAwaitPromise)),
		); err != nil {
			t.Fatalf("%s: %v\n%s", tc.lang, err, pageText(ctx))
		}
		if !strings.Contains(lead, tc.want) || !strings.Contains(accept, identity.DefaultPrivacyVersion) {
			t.Fatalf("%s: lead %q, text %q", tc.lang, lead, accept)
		}
		if !strings.Contains(consents, `"version":"`+identity.DefaultPrivacyVersion+`"`) {
			t.Fatalf("%s: consents %s", tc.lang, consents)
		}
		logout(t, ctx, env.srv.URL)
	}
}
