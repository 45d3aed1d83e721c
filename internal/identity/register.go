package identity

import (
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// termsError is the error for an accepted terms version that is missing or
// not the current one, nil when it is.
func (s *Service) termsError(v string) error {
	switch v = strings.TrimSpace(v); {
	case v == "":
		return errs.New(errs.Invalid, "TERMS_NOT_ACCEPTED",
			"Please read and accept the terms of service and the privacy policy.",
			"请阅读并同意服务条款和隐私政策。").OnField("accept_terms_version")
	case v != s.cfg.TermsVersion:
		return errs.New(errs.Invalid, "TERMS_VERSION_OUTDATED",
			"The terms have been updated since this page was loaded. Please reload, read and accept the current version ("+s.cfg.TermsVersion+").",
			"服务条款已更新，请刷新页面，阅读并同意最新版本（"+s.cfg.TermsVersion+"）。").OnField("accept_terms_version")
	}
	return nil
}

// RegisterFieldErrors checks a customer's registration as Register does,
// but returns every field error at once (Register stops at the first), so
// that a form can show them all. It does not look at the store: a taken
// address is only found by Register.
func (s *Service) RegisterFieldErrors(in RegisterInput) []*errs.Error {
	var out []*errs.Error
	c, err := loginOf(in.Email, in.Phone)
	if err != nil {
		out = append(out, errs.As(err))
	}
	var personal []string
	if err == nil {
		personal = append(personal, c.value)
		if c.kind == ByEmail {
			personal = append(personal, c.value[:strings.IndexByte(c.value, '@')])
		} else {
			personal = append(personal, strings.TrimPrefix(c.value, "+86"))
		}
	}
	if err := CheckPassword(in.Password, personal...); err != nil {
		out = append(out, errs.As(err))
	}
	if err := s.termsError(in.AcceptTermsVersion); err != nil {
		out = append(out, errs.As(err))
	}
	return out
}
