package identity

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// consentStore keeps consents in memory.
type consentStore struct {
	Store
	list []Consent
}

func (c *consentStore) Consents(ctx context.Context, userID string) ([]Consent, error) {
	return c.list, nil
}
func (c *consentStore) AddConsent(ctx context.Context, userID string, k Consent) error {
	c.list = append(c.list, k)
	return nil
}

func TestSensitiveConsent(t *testing.T) {
	ctx := context.Background()
	st := &consentStore{list: []Consent{{Document: "privacy", Version: "2026-11-01"}}}
	cfg := DefaultConfig
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	s := NewService(st, cfg, func() time.Time { return now }, nil)
	if ok, err := s.HasSensitiveConsent(ctx, "usr_a"); ok || err != nil {
		t.Fatalf("consent before it was given: %v %v", ok, err)
	}
	for _, tc := range []struct{ kind, version, code string }{
		{"marketing", "2026-11-01", "CONSENT_KIND_UNKNOWN"},
		{ConsentSensitive, "2025-01-01", "CONSENT_VERSION_OUTDATED"},
		{ConsentSensitive, "", "CONSENT_VERSION_OUTDATED"},
	} {
		if _, err := s.GiveConsent(ctx, "usr_a", tc.kind, tc.version); !errs.Is(err, tc.code) {
			t.Errorf("%s %q: %v, want %s", tc.kind, tc.version, err, tc.code)
		}
	}
	c, err := s.GiveConsent(ctx, "usr_a", ConsentSensitive, " "+DefaultPrivacyVersion+" ")
	if err != nil || c.Version != DefaultPrivacyVersion || !c.AcceptedAt.Equal(now) {
		t.Fatalf("give: %+v %v", c, err)
	}
	if ok, err := s.HasSensitiveConsent(ctx, "usr_a"); !ok || err != nil {
		t.Fatalf("consent after it was given: %v %v", ok, err)
	}
	// A new privacy policy asks for the consent again.
	cfg.PrivacyVersion = "2027-01-01"
	s2 := NewService(st, cfg, nil, nil)
	if ok, _ := s2.HasSensitiveConsent(ctx, "usr_a"); ok {
		t.Fatal("consent to an older policy counted")
	}
}

func TestRegisterFieldErrors(t *testing.T) {
	s := NewService(&consentStore{}, DefaultConfig, nil, nil)
	codes := func(in RegisterInput) []string {
		var out []string
		for _, e := range s.RegisterFieldErrors(in) {
			out = append(out, e.Field+":"+e.Code)
		}
		return out
	}
	for _, tc := range []struct {
		in   RegisterInput
		want string
	}{
		{RegisterInput{Email: "not an address", Password: "short"}, "[email:EMAIL_INVALID password:PASSWORD_TOO_SHORT accept_terms_version:TERMS_NOT_ACCEPTED]"},
		{RegisterInput{Email: "li@example.com", Password: "a long secret", AcceptTermsVersion: DefaultTermsVersion}, "[]"},
		{RegisterInput{Phone: "13800138000", Password: "my13800138000!", AcceptTermsVersion: "2020-01-01"}, "[password:PASSWORD_TOO_COMMON accept_terms_version:TERMS_VERSION_OUTDATED]"},
	} {
		if got := fmt.Sprint(codes(tc.in)); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.in, got, tc.want)
		}
	}
}
