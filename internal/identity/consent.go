package identity

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// ConsentSensitive is the separate consent PIPL art. 29 asks for before
// sensitive personal information (ID numbers, ID photos, faces) is
// collected. It is given to the current privacy policy's version.
const ConsentSensitive = "sensitive_personal_info"

// GiveConsent records the user's consent of kind (only
// ConsentSensitive for now) to version, which must be the current privacy
// policy's version. Giving it again is harmless.
// Errors: Invalid CONSENT_KIND_UNKNOWN, CONSENT_VERSION_OUTDATED.
func (s *Service) GiveConsent(ctx context.Context, userID, kind, version string) (Consent, error) {
	if kind != ConsentSensitive {
		return Consent{}, errs.New(errs.Invalid, "CONSENT_KIND_UNKNOWN", "Unknown consent kind; use sensitive_personal_info.",
			"未知的同意类型；请使用 sensitive_personal_info。").OnField("kind")
	}
	if v := strings.TrimSpace(version); v != s.cfg.PrivacyVersion {
		return Consent{}, errs.New(errs.Invalid, "CONSENT_VERSION_OUTDATED",
			"The privacy policy has been updated. Please reload, read and accept the current version ("+s.cfg.PrivacyVersion+").",
			"隐私政策已更新，请刷新页面，阅读并同意最新版本（"+s.cfg.PrivacyVersion+"）。").OnField("version")
	}
	c := Consent{Document: kind, Version: s.cfg.PrivacyVersion, AcceptedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.AddConsent(ctx, userID, c); err != nil {
		return Consent{}, err
	}
	return c, nil
}

// HasSensitiveConsent reports whether the user consented to the handling
// of sensitive personal information under the current privacy policy.
func (s *Service) HasSensitiveConsent(ctx context.Context, userID string) (bool, error) {
	cs, err := s.store.Consents(ctx, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(cs, func(c Consent) bool {
		return c.Document == ConsentSensitive && c.Version == s.cfg.PrivacyVersion
	}), nil
}

// OutdatedSensitiveConsent returns the version of the privacy policy the
// user's newest sensitive-information consent was given to when it is not
// the current one ("" when they gave none, or gave it to the current
// version). Such a user is asked to consent again before any sensitive step.
func (s *Service) OutdatedSensitiveConsent(ctx context.Context, userID string) (string, error) {
	cs, err := s.store.Consents(ctx, userID)
	if err != nil {
		return "", err
	}
	old := ""
	var at time.Time
	for _, c := range cs {
		if c.Document != ConsentSensitive {
			continue
		}
		if c.Version == s.cfg.PrivacyVersion {
			return "", nil
		}
		if old == "" || c.AcceptedAt.After(at) {
			old, at = c.Version, c.AcceptedAt
		}
	}
	return old, nil
}
