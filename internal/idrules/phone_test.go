package idrules

import "testing"

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, region string
		e164       string
		mobile     bool
		codes      []string
	}{
		{"13812345678", "", "+8613812345678", true, nil},
		{"138 1234 5678", "CN", "+8613812345678", true, nil},
		{"138-1234-5678", "", "+8613812345678", true, nil},
		{"１３８１２３４５６７８", "", "+8613812345678", true, nil},
		{"+86 138 1234 5678", "", "+8613812345678", true, nil},
		{"008613812345678", "", "+8613812345678", true, nil},
		{"+852 6123 4567", "", "+85261234567", true, nil},
		{"+44 7400 123456", "", "+447400123456", true, nil},
		{"+1 650-253-0000", "", "+16502530000", true, nil}, // US numbers are fixed-line-or-mobile
		{"010 6552 9988", "", "+861065529988", false, []string{CodePhoneNotMobile}},
		{"", "", "", false, []string{CodePhoneEmpty}},
		{"hello", "", "", false, []string{CodePhoneNotNumber}},
		{"+999 1234 5678", "", "", false, []string{CodePhoneCountryCode}},
		{"1381234", "", "", false, []string{CodePhoneInvalid}},
		{"1", "", "", false, []string{CodePhoneNotNumber}},
		{"138123456789", "", "", false, []string{CodePhoneInvalid}},
		{"12345678901", "", "", false, []string{CodePhoneInvalid}},
		{"+8613812345678901234567", "", "", false, []string{CodePhoneTooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, rs := ParsePhone(tt.in, tt.region)
			assertCodes(t, rs, tt.codes...)
			if p.E164 != tt.e164 || p.Mobile != tt.mobile {
				t.Errorf("got %+v, want %s mobile=%v", p, tt.e164, tt.mobile)
			}
		})
	}
}
