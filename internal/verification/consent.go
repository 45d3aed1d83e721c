package verification

import (
	"context"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// SensitiveConsent says whether a user gave the separate consent to the
// handling of sensitive personal information (PIPL art. 29: ID numbers,
// ID photos, faces) that must come before they are collected.
type SensitiveConsent interface {
	HasSensitiveConsent(ctx context.Context, userID string) (bool, error)
}

// ErrSensitiveConsentRequired is returned when an ID number or a document
// would be saved before the user gave that consent.
func ErrSensitiveConsentRequired() *errs.Error {
	return errs.New(errs.Permission, "SENSITIVE_CONSENT_REQUIRED",
		"Before we can take your ID number or photos of your ID document, please agree separately to how we handle this sensitive personal information.",
		"在收集您的证件号码和证件照片之前，需要您单独同意我们对这些敏感个人信息的处理方式。")
}

// ErrSensitiveConsentOutdated is ErrSensitiveConsentRequired (the same
// code) for a user who consented to an older privacy policy (version old):
// the policy changed, so they are asked again.
func ErrSensitiveConsentOutdated(old string) *errs.Error {
	return errs.New(errs.Permission, "SENSITIVE_CONSENT_REQUIRED",
		"Our privacy policy has changed since you agreed to it (you agreed to version "+old+"). Please read the current version and agree again before we take your ID number, photos of your ID document or a selfie.",
		"自您同意以来，我们的隐私政策已更新（您同意的是版本 "+old+"）。在收集您的证件号码、证件照片或自拍照之前，请阅读最新版本并重新同意。")
}

// outdatedConsent is what identity.Service tells besides HasSensitiveConsent:
// the older version a user consented to.
type outdatedConsent interface {
	OutdatedSensitiveConsent(ctx context.Context, userID string) (string, error)
}

// ConsentError returns nil when the user gave the sensitive-information
// consent to the current privacy policy, else the error to answer with:
// ErrSensitiveConsentOutdated when they gave it to an older version (and c
// can tell), ErrSensitiveConsentRequired otherwise, or c's own error.
func ConsentError(ctx context.Context, c SensitiveConsent, userID string) error {
	ok, err := c.HasSensitiveConsent(ctx, userID)
	if err != nil || ok {
		return err
	}
	if o, is := c.(outdatedConsent); is {
		old, err := o.OutdatedSensitiveConsent(ctx, userID)
		if err != nil {
			return err
		}
		if old != "" {
			return ErrSensitiveConsentOutdated(old)
		}
	}
	return ErrSensitiveConsentRequired()
}

// needConsent fails with ConsentError when a consent checker is set and the
// user has not consented to the current privacy policy.
func (s *Service) needConsent(ctx context.Context, userID string) error {
	if s.Consent == nil {
		return nil
	}
	return ConsentError(ctx, s.Consent, userID)
}
