package verification

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Applicant is the data a customer types for a case. It is personal data:
// store it encrypted and never log it.
type Applicant struct {
	FullName string `json:"full_name"`
	IDType   string `json:"id_type"` // one of IDTypes
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	// PhoneConfirmed is set by the server when the one-time code was
	// entered; never take it from the customer's request.
	PhoneConfirmed bool   `json:"phone_confirmed"`
	Nationality    string `json:"nationality,omitempty"` // ISO 3166-1 alpha-3, e.g. CHN
	BirthDate      string `json:"birth_date,omitempty"`  // YYYY-MM-DD, for numbers that carry none
	Sex            string `json:"sex,omitempty"`         // male or female, optional
	Address        string `json:"address,omitempty"`
	Occupation     string `json:"occupation,omitempty"`
	SourceOfFunds  string `json:"source_of_funds,omitempty"`
	// The guardian of a minor.
	GuardianName     string `json:"guardian_name,omitempty"`
	GuardianIDType   string `json:"guardian_id_type,omitempty"` // default cn_resident
	GuardianIDNumber string `json:"guardian_id_number,omitempty"`
}

// MaxTextLength bounds the free-text fields (address, occupation, source of
// funds), in characters.
const MaxTextLength = 200

// maxFieldBytes bounds every field before any parsing, so that a hostile
// request costs little.
const maxFieldBytes = 1024

// NormalizeApplicant returns a in canonical form: names through
// idrules.NormalizeName; ID numbers in upper-case ASCII without spaces or
// dashes (full-width characters turned into ASCII); the ID types in lower
// case; the nationality in upper case (CHN for a mainland ID card when
// empty); a valid phone number in E.164; birth dates written YYYYMMDD,
// YYYY/MM/DD or YYYY.MM.DD as YYYY-MM-DD; the sex as male or female (男, 女,
// M and F accepted); free text with white space collapsed. Values it cannot
// make sense of are kept (trimmed) for ValidateApplicant to report.
func NormalizeApplicant(a Applicant) Applicant {
	a.FullName = idrules.NormalizeName(clip(a.FullName))
	a.IDType = normType(a.IDType)
	a.IDNumber = normNumber(a.IDNumber)
	if p := strings.TrimSpace(clip(a.Phone)); p != "" {
		a.Phone = p
		if ph, rs := idrules.ParsePhone(p, "CN"); idrules.Valid(rs) {
			a.Phone = ph.E164
		}
	}
	a.Nationality = normNationality(a.Nationality)
	if a.Nationality == "" && a.IDType == IDCNResident {
		a.Nationality = "CHN"
	}
	a.BirthDate = normDate(a.BirthDate)
	a.Sex = normSex(a.Sex)
	a.Address = collapse(a.Address)
	a.Occupation = collapse(a.Occupation)
	a.SourceOfFunds = collapse(a.SourceOfFunds)
	a.GuardianName = idrules.NormalizeName(clip(a.GuardianName))
	a.GuardianIDType = normType(a.GuardianIDType)
	a.GuardianIDNumber = normNumber(a.GuardianIDNumber)
	if a.GuardianIDType == "" && a.GuardianIDNumber != "" {
		a.GuardianIDType = IDCNResident
	}
	return a
}

// clip drops invalid UTF-8 and cuts s to maxFieldBytes on a rune boundary.
func clip(s string) string {
	if len(s) > 4*maxFieldBytes {
		s = s[:4*maxFieldBytes]
	}
	s = strings.ToValidUTF8(s, "")
	if len(s) <= maxFieldBytes {
		return s
	}
	s = s[:maxFieldBytes]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func normType(s string) string { return strings.ToLower(strings.TrimSpace(clip(s))) }

func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(clip(s))) }

// normNationality takes a code or a name in either language ("British",
// "英国", "GB") to its alpha-3 code; anything else is kept for validation.
func normNationality(s string) string {
	if n, ok := idrules.ParseNationality(clip(s)); ok {
		return n
	}
	return normCode(s)
}

// normNumber turns full-width characters into ASCII, drops spaces and
// dashes, and upper-cases.
func normNumber(s string) string {
	s = clip(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == '\u3000':
			continue
		}
		if unicode.IsSpace(r) || r == '-' || r == '\u2010' || r == '\u2011' || r == '\u2012' || r == '\u2013' || r == '\u2014' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func normDate(s string) string {
	s = normNumber(s)
	if s == "" {
		return ""
	}
	if len(s) == 8 && allDigits(s) {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	} else if len(s) == 10 && (s[4] == '/' || s[4] == '.') && s[7] == s[4] {
		s = s[:4] + "-" + s[5:7] + "-" + s[8:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func normSex(s string) string {
	switch strings.ToLower(strings.TrimSpace(clip(s))) {
	case "m", "male", "男", "男性":
		return string(idrules.SexMale)
	case "f", "female", "女", "女性":
		return string(idrules.SexFemale)
	}
	return strings.TrimSpace(clip(s))
}

// collapse tidies free text: white space collapsed, bidirectional
// formatting characters (U+202E …) stripped, as names do (NormalizeName).
// Stripped, not refused: they are invisible (often pasted along from another
// app), so a customer told to remove them could not see what to remove, and
// they mean nothing in an address or an occupation; stripped at the door,
// they are never stored, so never shown reordered to a reviewer.
func collapse(s string) string {
	// Invisible format characters (zero-width space, BOM, soft hyphen,
	// bidi controls …) mean nothing in an address or an occupation, and
	// would make what a reviewer reads differ from what is stored; other
	// control characters stay, for validation to refuse by name.
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || idrules.IsBidiControl(r) {
			return -1
		}
		return r
	}, clip(s))
	return strings.Join(strings.Fields(s), " ")
}

// BirthDate returns the applicant's birth date: from the ID number when its
// format carries one and it is valid, else from the typed (or MRZ) birth
// date. at is the date the number is checked on (a birth date after at is
// not a birth date). ok is false when neither is known.
func BirthDate(a Applicant, at time.Time) (idrules.Date, bool) {
	a.IDType, a.IDNumber = normType(a.IDType), normNumber(a.IDNumber)
	if a.IDType != IDPassport && a.IDType != "" && a.IDNumber != "" {
		if n, rs := idrules.CheckIDNumber(a.IDNumber, idrules.IDType(a.IDType), at); idrules.Valid(rs) && !n.BirthDate.IsZero() {
			return n.BirthDate, true
		}
	}
	if d, ok := idrules.ParseDate(normDate(a.BirthDate)); ok && !d.After(idrules.DateOf(at)) {
		return d, true
	}
	return idrules.Date{}, false
}

// FieldError is one problem with one applicant field, for the form: the
// registry code (ID_NUMBER_INVALID, FIELD_REQUIRED, …), the field, the
// detailed rule that failed (an idrules code such as ID_CHECK_CHARACTER, or
// one of this package's rule codes) and a message and hint in zh-CN and en
// (the rule's own, more precise, when it has them).
type FieldError struct {
	Code    string    `json:"code"`
	Field   string    `json:"field"`
	Rule    string    `json:"rule,omitempty"`
	Message i18n.Text `json:"message"`
	Hint    i18n.Text `json:"hint"`
}

// Err returns f as an *errs.Error of kind Invalid.
func (f FieldError) Err() *errs.Error {
	return &errs.Error{Kind: errs.Invalid, Code: f.Code, Field: f.Field, Message: f.Message}
}

// Rule codes of this package (FieldError.Rule) where no idrules code fits.
const (
	RulePassportNumber = "PASSPORT_NUMBER_FORMAT"
	RuleNationality    = "NATIONALITY_UNKNOWN"
	RuleDate           = "DATE_INVALID"
	RuleDateFuture     = "DATE_IN_FUTURE"
	RuleSex            = "SEX_INVALID"
	RuleTextTooLong    = "TEXT_TOO_LONG"
	RuleTextCharacter  = "TEXT_CHARACTER"
	RuleGuardianMinor  = "GUARDIAN_MINOR"
	RuleGuardianSelf   = "GUARDIAN_SELF"
	RuleLevelUnknown   = "LEVEL_UNKNOWN"
	RuleNotAccepted    = "ID_TYPE_NOT_ACCEPTED"
)

// fieldError builds a FieldError from the registry entry of code, with the
// given rule and, when set, a more precise message and hint.
func fieldError(code, field, rule string, msg, hint i18n.Text) FieldError {
	r := registry[code]
	if msg.EN == "" {
		msg = r.Message
	}
	if hint.EN == "" {
		hint = r.Hint
	}
	return FieldError{Code: code, Field: field, Rule: rule, Message: msg, Hint: hint}
}

// fromRule turns the first error among idrules reasons into a FieldError.
func fromRule(code, field string, rs []idrules.Reason) (FieldError, bool) {
	for _, r := range rs {
		if !r.Warning {
			return fieldError(code, field, r.Code, r.Message, r.Hint), true
		}
	}
	return FieldError{}, false
}

// ValidateApplicant checks a against the default level (see
// Levels.ValidateApplicant).
func ValidateApplicant(level Level, a Applicant, at time.Time) []FieldError {
	return defaultLevels.ValidateApplicant(level, a, at)
}

// ValidateApplicant checks a (normalised first) for a case of the given
// level submitted on at, and returns every problem at once, at most one per
// field, in form order: required fields of the level and the applicant's
// situation (FIELD_REQUIRED), the ID type (ID_TYPE_INVALID), the ID number
// by its type's rules (ID_NUMBER_INVALID), the name (NAME_INVALID), the phone
// (PHONE_INVALID; a non-mobile number when the level confirms phones by
// SMS), nationality, birth date and sex (FIELD_INVALID, or
// BIRTH_DATE_MISMATCH / SEX_MISMATCH against the ID number), free text
// (FIELD_INVALID), the guardian (NAME_INVALID, GUARDIAN_INVALID) and the
// minimum age (AGE_BELOW_MINIMUM). Phone confirmation is not checked here
// (Decide does). An unknown level is one FIELD_INVALID on "level".
func (ls Levels) ValidateApplicant(level Level, a Applicant, at time.Time) []FieldError {
	spec, ok := ls.Level(level)
	if !ok {
		return []FieldError{fieldError(CodeFieldInvalid, "level", RuleLevelUnknown,
			i18n.T("Unknown verification level.", "未知的认证等级。"), i18n.Text{})}
	}
	return ls.validate(spec, NormalizeApplicant(a), at)
}

// validate is ValidateApplicant for a normalised applicant.
func (ls Levels) validate(spec LevelSpec, a Applicant, at time.Time) []FieldError {
	errsBy := map[string]FieldError{}
	add := func(fe FieldError) {
		if _, ok := errsBy[fe.Field]; !ok {
			errsBy[fe.Field] = fe
		}
	}
	vals := a.values()
	for _, r := range ls.requirements(spec, a, at) {
		if r.Type == ReqField && vals[r.Name] == "" {
			add(fieldError(CodeFieldRequired, r.Name, "", requiredMessage(r.Name), i18n.Text{}))
		}
	}

	// ID type and number.
	var idn idrules.IDNumber
	idOK := false
	if a.IDType != "" {
		switch {
		case !knownIDType(a.IDType):
			add(fieldError(CodeIDTypeInvalid, FieldIDType, idrules.CodeIDTypeUnknown, i18n.Text{}, i18n.Text{}))
		case !contains(spec.IDTypes, a.IDType):
			add(fieldError(CodeIDTypeInvalid, FieldIDType, RuleNotAccepted, i18n.Text{}, i18n.Text{}))
		case a.IDNumber != "":
			idn, idOK = ls.checkNumber(a.IDType, a.IDNumber, FieldIDNumber, CodeIDNumberInvalid, at, add)
		}
	}
	if a.FullName != "" {
		if _, rs := idrules.CheckName(a.FullName); !idrules.Valid(rs) {
			fe, _ := fromRule(CodeNameInvalid, FieldFullName, rs)
			add(fe)
		}
	}
	if a.Phone != "" {
		p, rs := idrules.ParsePhone(a.Phone, "CN")
		if fe, bad := fromRule(CodePhoneInvalid, FieldPhone, rs); bad {
			add(fe)
		} else if spec.ConfirmPhone && !p.Mobile {
			for _, r := range rs {
				if r.Code == idrules.CodePhoneNotMobile {
					add(fieldError(CodePhoneInvalid, FieldPhone, r.Code, r.Message, r.Hint))
				}
			}
		}
	}
	if a.Nationality != "" && (len(a.Nationality) != 3 || !idrules.KnownStateCode(a.Nationality)) {
		add(fieldError(CodeFieldInvalid, FieldNationality, RuleNationality,
			i18n.T("Unknown nationality.", "无法识别的国籍。"),
			i18n.T("Choose your nationality from the list, or type your country's name or the 3-letter code on your passport (e.g. GBR, United Kingdom, 英国).", "请从列表中选择国籍，或填写国家名称或护照上的三位字母代码（例如 GBR、英国、United Kingdom）。")))
	}
	if a.BirthDate != "" {
		d, ok := idrules.ParseDate(a.BirthDate)
		switch {
		case !ok:
			add(fieldError(CodeFieldInvalid, FieldBirthDate, RuleDate,
				i18n.T("The date of birth is not a valid date.", "出生日期不是有效日期。"),
				i18n.T("Enter it as year-month-day, e.g. 1990-05-17.", "请按年-月-日填写，例如 1990-05-17。")))
		case d.After(idrules.DateOf(at)) || d.AgeOn(idrules.DateOf(at)) > 130:
			add(fieldError(CodeFieldInvalid, FieldBirthDate, RuleDateFuture,
				i18n.T("The date of birth is not possible.", "出生日期不合理。"),
				i18n.T("Check the year of the date of birth.", "请检查出生日期的年份。")))
		case idOK && !idn.BirthDate.IsZero() && idn.BirthDate != d:
			add(fieldError(CodeBirthDateMismatch, FieldBirthDate, "",
				i18n.T("The date of birth does not match the one in your ID number.", "出生日期与证件号码中的出生日期不一致。"),
				i18n.Text{}))
		}
	}
	if a.Sex != "" {
		switch {
		case a.Sex != string(idrules.SexMale) && a.Sex != string(idrules.SexFemale):
			add(fieldError(CodeFieldInvalid, FieldSex, RuleSex,
				i18n.T("Choose male or female, as on your document.", "请按证件选择男或女。"), i18n.Text{}))
		case idOK && idn.Sex != idrules.SexUnknown && string(idn.Sex) != a.Sex:
			add(fieldError(CodeSexMismatch, FieldSex, "",
				i18n.T("The sex does not match the one encoded in your ID number.", "性别与证件号码中的性别不一致。"), i18n.Text{}))
		}
	}
	for _, f := range []string{FieldAddress, FieldOccupation, FieldSourceOfFunds} {
		if fe, bad := checkText(f, vals[f]); bad {
			add(fe)
		}
	}

	// The guardian.
	if a.GuardianName != "" {
		if _, rs := idrules.CheckName(a.GuardianName); !idrules.Valid(rs) {
			fe, _ := fromRule(CodeNameInvalid, FieldGuardianName, rs)
			add(fe)
		}
	}
	if a.GuardianIDNumber != "" {
		if !knownIDType(a.GuardianIDType) {
			add(fieldError(CodeIDTypeInvalid, FieldGuardianIDType, idrules.CodeIDTypeUnknown, i18n.Text{}, i18n.Text{}))
		} else if g, ok := ls.checkNumber(a.GuardianIDType, a.GuardianIDNumber, FieldGuardianIDNumber, CodeGuardianInvalid, at, add); ok {
			switch {
			case a.GuardianIDNumber == a.IDNumber:
				add(fieldError(CodeGuardianInvalid, FieldGuardianIDNumber, RuleGuardianSelf,
					i18n.T("The guardian's ID number is your own.", "监护人证件号码与您本人的相同。"),
					i18n.T("Enter the ID number of your parent or legal guardian.", "请填写您父母或法定监护人的证件号码。")))
			case !g.BirthDate.IsZero() && g.BirthDate.AgeOn(idrules.DateOf(at)) < ls.MinorAge:
				add(fieldError(CodeGuardianInvalid, FieldGuardianIDNumber, RuleGuardianMinor,
					i18n.T("The guardian must be at least 18.", "监护人须年满 18 周岁。"), i18n.Text{}))
			}
		}
	}

	// The minimum age.
	if ls.MinimumAge > 0 {
		if b, ok := BirthDate(a, at); ok && b.AgeOn(idrules.DateOf(at)) < ls.MinimumAge && !b.After(idrules.DateOf(at)) {
			f := FieldIDNumber
			if a.IDType == IDPassport || !idOK || idn.BirthDate.IsZero() {
				f = FieldBirthDate
			}
			add(fieldError(CodeAgeBelowMinimum, f, "", i18n.Text{}, i18n.Text{}))
		}
	}

	out := make([]FieldError, 0, len(errsBy))
	for _, f := range append(ApplicantFields, "level") {
		if fe, ok := errsBy[f]; ok {
			out = append(out, fe)
		}
	}
	return out
}

// checkNumber validates a document number of a known type and reports the
// first problem on field with code.
func (ls Levels) checkNumber(typ, number, field, code string, at time.Time, add func(FieldError)) (idrules.IDNumber, bool) {
	if typ == IDPassport {
		if !passportNumberOK(number) {
			add(fieldError(code, field, RulePassportNumber,
				i18n.T("A passport number is 5 to 9 letters and digits.", "护照号码由 5 至 9 位字母和数字组成。"),
				i18n.T("Copy the number from the passport's photo page (top right), without spaces.", "请照抄护照资料页右上方的号码，不要加空格。")))
			return idrules.IDNumber{}, false
		}
		return idrules.IDNumber{Number: number}, true
	}
	n, rs := idrules.CheckIDNumber(number, idrules.IDType(typ), at)
	if fe, bad := fromRule(code, field, rs); bad {
		add(fe)
		return n, false
	}
	return n, true
}

// passportNumberOK: an ICAO TD3 document number field holds 9 characters
// and has no overflow, so a passport number is at most 9 letters and digits.
func passportNumberOK(s string) bool {
	if len(s) < 5 || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func checkText(field, v string) (FieldError, bool) {
	if v == "" {
		return FieldError{}, false
	}
	if utf8.RuneCountInString(v) > MaxTextLength {
		return fieldError(CodeFieldInvalid, field, RuleTextTooLong,
			i18n.T("This text is too long (at most 200 characters).", "内容过长（最多 200 个字）。"), i18n.Text{}), true
	}
	for _, r := range v {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r) || idrules.IsBidiControl(r) {
			return fieldError(CodeFieldInvalid, field, RuleTextCharacter,
				i18n.T("This text contains characters that cannot be used.", "内容中含有无法使用的字符。"), i18n.Text{}), true
		}
	}
	return FieldError{}, false
}

func requiredMessage(field string) i18n.Text {
	names := map[string]i18n.Text{
		FieldFullName:         i18n.T("full name", "姓名"),
		FieldIDType:           i18n.T("ID type", "证件类型"),
		FieldIDNumber:         i18n.T("ID number", "证件号码"),
		FieldPhone:            i18n.T("mobile number", "手机号码"),
		FieldNationality:      i18n.T("nationality", "国籍"),
		FieldBirthDate:        i18n.T("date of birth", "出生日期"),
		FieldSex:              i18n.T("sex", "性别"),
		FieldAddress:          i18n.T("address", "地址"),
		FieldOccupation:       i18n.T("occupation", "职业"),
		FieldSourceOfFunds:    i18n.T("source of funds", "资金来源"),
		FieldGuardianName:     i18n.T("guardian's name", "监护人姓名"),
		FieldGuardianIDType:   i18n.T("guardian's ID type", "监护人证件类型"),
		FieldGuardianIDNumber: i18n.T("guardian's ID number", "监护人证件号码"),
	}
	n, ok := names[field]
	if !ok {
		return registry[CodeFieldRequired].Message
	}
	return i18n.T("Please fill in your "+n.EN+".", "请填写"+n.ZH+"。")
}

// values maps each applicant field to its value.
func (a Applicant) values() map[string]string {
	return map[string]string{
		FieldFullName: a.FullName, FieldIDType: a.IDType, FieldIDNumber: a.IDNumber,
		FieldPhone: a.Phone, FieldNationality: a.Nationality, FieldBirthDate: a.BirthDate,
		FieldSex: a.Sex, FieldAddress: a.Address, FieldOccupation: a.Occupation,
		FieldSourceOfFunds: a.SourceOfFunds, FieldGuardianName: a.GuardianName,
		FieldGuardianIDType: a.GuardianIDType, FieldGuardianIDNumber: a.GuardianIDNumber,
	}
}

func knownIDType(t string) bool { return contains(IDTypes, t) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Value returns one field of the applicant by its name (FieldAddress…).
func (a Applicant) Value(field string) string { return a.values()[field] }
