package verification

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeApplicant(t *testing.T) {
	in := Applicant{
		FullName: " 张　三 ", IDType: " CN_Resident ", IDNumber: "１１０１０１ 1990-0517 123" + adultID[17:],
		Phone: "138 1234 5678", Nationality: "", BirthDate: "1990/05/17", Sex: "男",
		Address: "  北京市  东城区\t1号 ", GuardianIDNumber: " " + strings.ToLower(guardianID) + " ",
	}
	got := NormalizeApplicant(in)
	want := Applicant{
		FullName: "张三", IDType: IDCNResident, IDNumber: adultID, Phone: "+8613812345678",
		Nationality: "CHN", BirthDate: "1990-05-17", Sex: "male", Address: "北京市 东城区 1号",
		GuardianIDType: IDCNResident, GuardianIDNumber: guardianID,
	}
	if got != want {
		t.Errorf("NormalizeApplicant:\n got %+v\nwant %+v", got, want)
	}
	if NormalizeApplicant(got) != got {
		t.Error("NormalizeApplicant is not idempotent")
	}
	// Unparseable values are kept for validation to report.
	if g := NormalizeApplicant(Applicant{Phone: " abc ", BirthDate: "May 5", Sex: "other"}); g.Phone != "abc" || g.BirthDate != "MAY5" || g.Sex != "other" {
		t.Errorf("kept values: %+v", g)
	}
	// Huge fields are clipped, not parsed at length.
	if g := NormalizeApplicant(Applicant{Address: strings.Repeat("路", 5000)}); len(g.Address) > maxFieldBytes {
		t.Errorf("address not clipped: %d bytes", len(g.Address))
	}
}

func TestValidateApplicant(t *testing.T) {
	mod := func(base Applicant, f func(*Applicant)) Applicant { f(&base); return base }
	tests := []struct {
		name  string
		level Level
		a     Applicant
		want  []string // field:code, in form order
		rule  string   // the first error's rule, when set
	}{
		{"valid basic", LevelBasic, adult(), nil, ""},
		{"valid standard, unconfirmed phone is not a form error", LevelStandard, mod(adult(), func(a *Applicant) { a.PhoneConfirmed = false }), nil, ""},
		{"empty", LevelBasic, Applicant{}, []string{"full_name:FIELD_REQUIRED", "id_type:FIELD_REQUIRED", "id_number:FIELD_REQUIRED", "phone:FIELD_REQUIRED"}, ""},
		{"checksum", LevelBasic, mod(adult(), func(a *Applicant) { a.IDNumber = breakCheck(adultID) }), []string{"id_number:ID_NUMBER_INVALID"}, "ID_CHECK_CHARACTER"},
		{"name with digits", LevelBasic, mod(adult(), func(a *Applicant) { a.FullName = "张3" }), []string{"full_name:NAME_INVALID"}, "NAME_CHARACTER"},
		{"phone", LevelBasic, mod(adult(), func(a *Applicant) { a.Phone = "12345" }), []string{"phone:PHONE_INVALID"}, ""},
		{"landline when SMS is needed", LevelBasic, mod(adult(), func(a *Applicant) { a.Phone = "010 6552 9988" }), []string{"phone:PHONE_INVALID"}, "PHONE_NOT_MOBILE"},
		{"all at once", LevelBasic, Applicant{FullName: "A1", IDType: IDCNResident, IDNumber: "123", Phone: "x"}, []string{"full_name:NAME_INVALID", "id_number:ID_NUMBER_INVALID", "phone:PHONE_INVALID"}, ""},
		{"unknown id type", LevelBasic, mod(adult(), func(a *Applicant) { a.IDType = "library_card" }), []string{"id_type:ID_TYPE_INVALID"}, "ID_TYPE_UNKNOWN"},
		{"type mismatch", LevelBasic, mod(adult(), func(a *Applicant) { a.IDType = IDHMTResidence }), []string{"id_number:ID_NUMBER_INVALID"}, ""},
		{"hmt permit", LevelBasic, mod(adult(), func(a *Applicant) { a.IDType = IDHMTResidence; a.IDNumber = hmtID }), nil, ""},
		{"enhanced needs address, occupation, funds", LevelEnhanced, adult(), []string{"address:FIELD_REQUIRED", "occupation:FIELD_REQUIRED", "source_of_funds:FIELD_REQUIRED"}, ""},
		{"enhanced complete", LevelEnhanced, mod(adult(), func(a *Applicant) {
			a.Address = "北京市东城区1号"
			a.Occupation = "工程师"
			a.SourceOfFunds = "工资"
		}), nil, ""},
		{"address too long", LevelEnhanced, mod(adult(), func(a *Applicant) {
			a.Address = strings.Repeat("路", 201)
			a.Occupation = "x"
			a.SourceOfFunds = "y\x01"
		}), []string{"address:FIELD_INVALID", "source_of_funds:FIELD_INVALID"}, "TEXT_TOO_LONG"},
		{"passport needs nationality and birth date", LevelStandard, mod(foreigner(), func(a *Applicant) { a.Nationality = ""; a.BirthDate = "" }), []string{"nationality:FIELD_REQUIRED", "birth_date:FIELD_REQUIRED"}, ""},
		{"passport valid", LevelStandard, foreigner(), nil, ""},
		{"passport number format", LevelStandard, mod(foreigner(), func(a *Applicant) { a.IDNumber = "AB" }), []string{"id_number:ID_NUMBER_INVALID"}, RulePassportNumber},
		{"nationality unknown", LevelStandard, mod(foreigner(), func(a *Applicant) { a.Nationality = "XYZ" }), []string{"nationality:FIELD_INVALID"}, RuleNationality},
		{"birth date not a date", LevelStandard, mod(foreigner(), func(a *Applicant) { a.BirthDate = "1985-02-30" }), []string{"birth_date:FIELD_INVALID"}, RuleDate},
		{"birth date in the future", LevelStandard, mod(foreigner(), func(a *Applicant) { a.BirthDate = "2030-01-01" }), []string{"birth_date:FIELD_INVALID"}, RuleDateFuture},
		{"birth date differs from the number", LevelBasic, mod(adult(), func(a *Applicant) { a.BirthDate = "1990-05-18" }), []string{"birth_date:BIRTH_DATE_MISMATCH"}, ""},
		{"sex differs from the number", LevelBasic, mod(adult(), func(a *Applicant) { a.Sex = "female" }), []string{"sex:SEX_MISMATCH"}, ""},
		{"sex invalid", LevelBasic, mod(adult(), func(a *Applicant) { a.Sex = "robot" }), []string{"sex:FIELD_INVALID"}, RuleSex},
		{"minor needs guardian fields", LevelBasic, mod(adult(), func(a *Applicant) { a.IDNumber = minorID }), []string{"guardian_name:FIELD_REQUIRED", "guardian_id_number:FIELD_REQUIRED"}, ""},
		{"minor with guardian", LevelBasic, minor(), nil, ""},
		{"guardian is a minor", LevelBasic, mod(minor(), func(a *Applicant) { a.GuardianIDNumber = idNumber("310104", "20100101", "111") }), []string{"guardian_id_number:GUARDIAN_INVALID"}, RuleGuardianMinor},
		{"guardian is self", LevelBasic, mod(minor(), func(a *Applicant) { a.GuardianIDNumber = minorID }), []string{"guardian_id_number:GUARDIAN_INVALID"}, RuleGuardianSelf},
		{"guardian number invalid", LevelBasic, mod(minor(), func(a *Applicant) { a.GuardianIDNumber = breakCheck(guardianID) }), []string{"guardian_id_number:GUARDIAN_INVALID"}, "ID_CHECK_CHARACTER"},
		{"guardian name invalid", LevelBasic, mod(minor(), func(a *Applicant) { a.GuardianName = "😀" }), []string{"guardian_name:NAME_INVALID"}, ""},
		{"below minimum age", LevelBasic, mod(minor(), func(a *Applicant) { a.IDNumber = childID }), []string{"id_number:AGE_BELOW_MINIMUM"}, ""},
		{"below minimum age by typed birth date", LevelStandard, mod(foreigner(), func(a *Applicant) {
			a.BirthDate = "2021-01-01"
			a.GuardianName = "John Smith Sr"
			a.GuardianIDType = IDPassport
			a.GuardianIDNumber = "Y7654321"
		}), []string{"birth_date:AGE_BELOW_MINIMUM"}, ""},
		{"unknown level", "gold", adult(), []string{"level:FIELD_INVALID"}, RuleLevelUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ValidateApplicant(tc.level, tc.a, at)
			if !slices.Equal(codesOf(got), tc.want) {
				t.Fatalf("got %v, want %v", codesOf(got), tc.want)
			}
			for _, fe := range got {
				if fe.Message.EN == "" || fe.Message.ZH == "" || fe.Hint.EN == "" || fe.Hint.ZH == "" {
					t.Errorf("%s on %s: message or hint missing in a language: %+v", fe.Code, fe.Field, fe)
				}
				if _, ok := registry[fe.Code]; !ok {
					t.Errorf("%s is not a registered code", fe.Code)
				}
				if e := fe.Err(); e.Code != fe.Code || e.Field != fe.Field {
					t.Errorf("Err() = %+v", e)
				}
			}
			if tc.rule != "" && got[0].Rule != tc.rule {
				t.Errorf("rule = %q, want %q", got[0].Rule, tc.rule)
			}
		})
	}
}

func TestRequiredMessageNamesTheField(t *testing.T) {
	got := ValidateApplicant(LevelEnhanced, adult(), at)
	if len(got) == 0 || !strings.Contains(got[0].Message.EN, "address") || !strings.Contains(got[0].Message.ZH, "地址") {
		t.Errorf("required message does not name the field: %+v", got)
	}
}

func TestBirthDate(t *testing.T) {
	for _, tc := range []struct {
		a    Applicant
		want string
	}{
		{adult(), "1990-05-17"},
		{foreigner(), "1985-02-03"},
		{Applicant{IDType: IDCNResident, IDNumber: breakCheck(adultID), BirthDate: "2000-01-01"}, "2000-01-01"},
		{Applicant{IDType: IDPassport, IDNumber: "X1"}, ""},
	} {
		d, ok := BirthDate(tc.a, at)
		if d.String() != tc.want || ok != (tc.want != "") {
			t.Errorf("BirthDate(%+v) = %v, %v; want %q", tc.a, d, ok, tc.want)
		}
	}
}
