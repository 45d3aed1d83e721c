package idrules

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Phone is a parsed, valid phone number.
type Phone struct {
	E164        string `json:"e164"`         // "+8613812345678"
	Region      string `json:"region"`       // ISO 3166-1 alpha-2 of the number, e.g. "CN"
	CountryCode int    `json:"country_code"` // calling code, e.g. 86
	National    string `json:"national"`     // national format, for display
	Type        string `json:"type"`         // "mobile", "fixed_line", "fixed_line_or_mobile", "toll_free", "voip", ... or "unknown"
	Mobile      bool   `json:"mobile"`       // can receive SMS as far as the numbering plan tells
}

// maxPhoneInput bounds what is handed to the parser.
const maxPhoneInput = 64

var phoneTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
}

// ParsePhone parses and validates a phone number into E.164 using the
// libphonenumber metadata (github.com/nyaruka/phonenumbers). A number
// without a leading + (or 00) is read in defaultRegion ("CN" when empty),
// so "138 1234 5678" is a mainland mobile number; international numbers
// start with + and the country code. Full-width digits and plus signs are
// accepted. A valid number that is not a mobile number carries the warning
// PHONE_NOT_MOBILE.
func ParsePhone(s, defaultRegion string) (p Phone, reasons []Reason) {
	const field = "phone"
	if defaultRegion == "" {
		defaultRegion = "CN"
	}
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" {
		return p, []Reason{newReason(CodePhoneEmpty, field)}
	}
	if len(s) > maxPhoneInput {
		return p, []Reason{newReason(CodePhoneTooLong, field)}
	}
	// The parser is third-party code: never let a bug there take a request down.
	defer func() {
		if recover() != nil {
			p, reasons = Phone{}, []Reason{newReason(CodePhoneNotNumber, field)}
		}
	}()
	num, err := phonenumbers.Parse(s, defaultRegion)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return p, []Reason{newReason(CodePhoneCountryCode, field)}
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return p, []Reason{newReason(CodePhoneTooShort, field)}
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return p, []Reason{newReason(CodePhoneTooLong, field)}
		}
		return p, []Reason{newReason(CodePhoneNotNumber, field)}
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return p, []Reason{newReason(CodePhoneCountryCode, field)}
	case phonenumbers.TOO_SHORT:
		return p, []Reason{newReason(CodePhoneTooShort, field)}
	case phonenumbers.TOO_LONG:
		return p, []Reason{newReason(CodePhoneTooLong, field)}
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	if !phonenumbers.IsValidNumber(num) {
		if region == "" {
			region = phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
		}
		return p, []Reason{newReason(CodePhoneInvalid, field, "region", region)}
	}
	t := phonenumbers.GetNumberType(num)
	p = Phone{
		E164:        phonenumbers.Format(num, phonenumbers.E164),
		Region:      region,
		CountryCode: int(num.GetCountryCode()),
		National:    phonenumbers.Format(num, phonenumbers.NATIONAL),
		Type:        phoneTypes[t],
		Mobile:      t == phonenumbers.MOBILE || t == phonenumbers.FIXED_LINE_OR_MOBILE,
	}
	if p.Type == "" {
		p.Type = "unknown"
	}
	if !p.Mobile {
		reasons = append(reasons, newReason(CodePhoneNotMobile, field))
	}
	return p, reasons
}
