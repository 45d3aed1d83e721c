package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestPrivacyVersionBumpAsksAgain: a customer who gave the
// sensitive-information consent to the privacy policy before the selfie
// (2026-11-01) and filled a case then is, once the server runs the new
// version (identity.DefaultPrivacyVersion), asked to consent again before
// any sensitive step: typing an ID number, uploading a photo, submitting
// (which runs the checks, the face checks among them). The refusal says the
// policy changed and names the version agreed to, in both languages. After
// consenting to the current version the submission goes through. Both
// engines.
func TestPrivacyVersionBumpAsksAgain(t *testing.T) {
	const old = "2026-11-01"
	if identity.DefaultPrivacyVersion == old {
		t.Fatal("the privacy version was not bumped")
	}
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, keys := sqltest.Open(t, engine), sqltest.Keyring(t)
			codes := &lastCode{}
			open := func(privacy string) *App {
				cfg := identity.DefaultConfig
				cfg.PrivacyVersion = privacy
				cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
				a, err := New(ctx, Options{DB: db, Keys: keys, DataDir: t.TempDir(),
					Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, Sender: codes})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			// Before the bump: consent to the old text, a basic case filled in.
			before := open(old)
			u, err := before.Accounts.Register(ctx, identity.RegisterInput{Email: "old@example.com", Password: "long enough pass", AcceptTermsVersion: identity.DefaultTermsVersion})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := before.Accounts.GiveConsent(ctx, u.ID, identity.ConsentSensitive, old); err != nil {
				t.Fatal(err)
			}
			a := verification.Applicant{FullName: "张三", IDType: verification.IDCNResident, IDNumber: "110105199003072311", Phone: "13800138000"}
			c, err := before.Verifications.Create(ctx, u.ID, verification.LevelBasic, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, fes, err := before.Verifications.UpdateApplicant(ctx, u.ID, c.ID, a); err != nil || len(fes) > 0 {
				t.Fatalf("applicant: %v %+v", err, fes)
			}
			if err := before.Verifications.SendPhoneCode(ctx, u.ID, c.ID, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := before.Verifications.ConfirmPhone(ctx, u.ID, c.ID, codes.code); err != nil {
				t.Fatal(err)
			}

			// After the bump (the default version).
			after := open(identity.DefaultPrivacyVersion)
			if ok, err := after.Accounts.HasSensitiveConsent(ctx, u.ID); ok || err != nil {
				t.Fatalf("the old consent counts under the new policy: %v %v", ok, err)
			}
			if v, err := after.Accounts.OutdatedSensitiveConsent(ctx, u.ID); v != old || err != nil {
				t.Fatalf("outdated consent: %q %v", v, err)
			}
			outdated := func(what string, err error) {
				t.Helper()
				e := errs.As(err)
				if e == nil || e.Code != "SENSITIVE_CONSENT_REQUIRED" || e.Kind != errs.Permission ||
					!strings.Contains(e.Message.EN, "changed") || !strings.Contains(e.Message.EN, old) ||
					!strings.Contains(e.Message.ZH, "已更新") || !strings.Contains(e.Message.ZH, old) {
					t.Fatalf("%s with an outdated consent: %v", what, err)
				}
			}
			v := after.Verifications
			_, err = v.Submit(ctx, u.ID, c.ID, "")
			outdated("submit", err)
			_, _, err = v.UpdateApplicant(ctx, u.ID, c.ID, a)
			outdated("ID number", err)
			if got, err := v.Store.Case(ctx, c.ID); err != nil || got.Status != verification.StatusDraft {
				t.Fatalf("the refused submission changed the case: %v %+v", err, got)
			}
			// Someone who never consented is told the first-time text.
			u2, err := after.Accounts.Register(ctx, identity.RegisterInput{Email: "new@example.com", Password: "long enough pass", AcceptTermsVersion: identity.DefaultTermsVersion})
			if err != nil {
				t.Fatal(err)
			}
			if e := errs.As(verification.ConsentError(ctx, after.Accounts, u2.ID)); e == nil || e.Code != "SENSITIVE_CONSENT_REQUIRED" || strings.Contains(e.Message.EN, "changed") {
				t.Fatalf("never consented: %v", e)
			}
			// Consent to the current version: the submission goes through.
			if _, err := after.Accounts.GiveConsent(ctx, u.ID, identity.ConsentSensitive, identity.DefaultPrivacyVersion); err != nil {
				t.Fatal(err)
			}
			if v, err := after.Accounts.OutdatedSensitiveConsent(ctx, u.ID); v != "" || err != nil {
				t.Fatalf("outdated after consenting again: %q %v", v, err)
			}
			if _, err := v.Submit(ctx, u.ID, c.ID, ""); err != nil {
				t.Fatalf("submit after consenting again: %v", err)
			}
		})
	}
}
