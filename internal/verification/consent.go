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

// needConsent fails with ErrSensitiveConsentRequired when a consent checker
// is set and the user has not consented.
func (s *Service) needConsent(ctx context.Context, userID string) error {
	if s.Consent == nil {
		return nil
	}
	ok, err := s.Consent.HasSensitiveConsent(ctx, userID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSensitiveConsentRequired()
	}
	return nil
}
