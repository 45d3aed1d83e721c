package idrules

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IDType names a kind of identity document number.
type IDType string

// The document number types. IDAuto asks CheckIDNumber to detect the type.
const (
	IDAuto             IDType = "auto"
	IDCNResident       IDType = "cn_resident"       // 居民身份证
	IDHMTResidence     IDType = "hmt_residence"     // 港澳台居民居住证
	IDForeignPermanent IDType = "foreign_permanent" // 外国人永久居留身份证
	IDHKMacauTravel    IDType = "hk_macau_travel"   // 港澳居民来往内地通行证
	IDTWTravel         IDType = "tw_travel"         // 台湾居民来往大陆通行证
)

// IDTypes lists the concrete document number types.
var IDTypes = []IDType{IDCNResident, IDHMTResidence, IDForeignPermanent, IDHKMacauTravel, IDTWTravel}

// Name returns the document's name in both languages.
func (t IDType) Name() (en, zh string) {
	switch t {
	case IDCNResident:
		return "mainland resident ID card", "居民身份证"
	case IDHMTResidence:
		return "residence permit for Hong Kong, Macau and Taiwan residents", "港澳台居民居住证"
	case IDForeignPermanent:
		return "foreigner permanent residence ID card", "外国人永久居留身份证"
	case IDHKMacauTravel:
		return "mainland travel permit for Hong Kong and Macau residents", "港澳居民来往内地通行证"
	case IDTWTravel:
		return "mainland travel permit for Taiwan residents", "台湾居民来往大陆通行证"
	}
	return "identity document", "身份证件"
}

// Sex is the holder's sex as encoded in a document number.
type Sex string

// The sexes a document number can encode; SexUnknown when it encodes none.
const (
	SexUnknown Sex = ""
	SexMale    Sex = "male"
	SexFemale  Sex = "female"
)

// IDNumber is what a document number tells about its holder. Fields the
// format does not carry are left zero.
type IDNumber struct {
	Type        IDType `json:"type"`
	Number      string `json:"number"`                // normalised: ASCII, upper case, no spaces
	BirthDate   Date   `json:"birth_date,omitzero"`   // zero when the format carries none
	Sex         Sex    `json:"sex,omitempty"`         // SexUnknown when the format carries none
	Region      Region `json:"region,omitzero"`       // address code (resident ID, residence permit) or accepting province (permanent residence card)
	Nationality string `json:"nationality,omitempty"` // ISO 3166-1 alpha-3 (permanent residence card)
	Issuer      string `json:"issuer,omitempty"`      // "HK", "MO" or "TW" for residence and travel permits
	Version     string `json:"version,omitempty"`     // "1999" or "1984" (first generation) for resident IDs; "2017" or "2023" for permanent residence cards
}

const fieldID = "id_number"

// cleanID turns what a customer typed into the canonical ASCII form:
// full-width letters and digits become ASCII, letters are upper-cased,
// spaces and hyphens are dropped. It does not allocate for input already
// in canonical form.
func cleanID(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A:
			r -= 0xFEE0
		case r >= 0xFF41 && r <= 0xFF5A:
			r -= 0xFEE0 + 32
		case r >= 'a' && r <= 'z':
			r -= 32
		case r == '-' || r == 0xFF0D || unicode.IsSpace(r) || r == 0x200B || r == 0xFEFF:
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstBad returns the 1-based rune position and the character of the first
// byte of s at or after byte index from that fails ok, or 0.
func firstBad(s string, from int, ok func(i int, c byte) bool) (int, string) {
	for i := from; i < len(s); i++ {
		if !ok(i, s[i]) {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return utf8.RuneCountInString(s[:i]) + 1, string(r)
		}
	}
	return 0, ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// mod112Weights are 2^(17-i) mod 11 for positions i = 0..16 (GB 11643-1999 §7.2).
var mod112Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// mod112 returns the ISO 7064 MOD 11-2 check character of the 17 digits in
// s[:17] ('0'-'9' or 'X'), as GB 11643-1999 §7.2 defines it.
func mod112(s string) byte {
	sum := 0
	for i, w := range mod112Weights {
		sum += int(s[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// check18 validates the common structure of GB 11643 style numbers (resident
// ID, residence permit, 2023 permanent residence card): 17 digits and a
// check character, birth date at [6:14], sex in digit 17. s has length 18.
// ok is false when a character is not allowed (nothing else was checked).
func check18(s string, today Date, reasons []Reason) (birth Date, sex Sex, _ []Reason, ok bool) {
	_ = s[17]
	sum := 0
	for i, w := range mod112Weights {
		c := s[i] - '0'
		if c > 9 {
			return Date{}, "", append(reasons, badChar(s, i)), false
		}
		sum += int(c) * w
	}
	last := s[17]
	if (last < '0' || last > '9') && last != 'X' {
		return Date{}, "", append(reasons, badChar(s, 17)), false
	}
	birth = Date{
		Year:  int(s[6]-'0')*1000 + int(s[7]-'0')*100 + int(s[8]-'0')*10 + int(s[9]-'0'),
		Month: int(s[10]-'0')*10 + int(s[11]-'0'),
		Day:   int(s[12]-'0')*10 + int(s[13]-'0'),
	}
	if code := birthProblem(birth, today); code != "" {
		reasons = append(reasons, newReason(code, "birth_date", "date", s[6:10]+"-"+s[10:12]+"-"+s[12:14]))
	}
	if "10X98765432"[sum%11] != last {
		reasons = append(reasons, newReason(CodeIDCheckCharacter, fieldID))
	}
	sex = SexFemale
	if (s[16]-'0')%2 == 1 {
		sex = SexMale
	}
	return birth, sex, reasons, true
}

// badChar reports the character at byte index i of s as not allowed.
func badChar(s string, i int) Reason {
	pos, ch := firstBad(s, i, func(int, byte) bool { return false })
	return newReason(CodeIDCharacter, fieldID, "pos", strconv.Itoa(pos), "char", ch)
}

// birthProblem applies the birth-date rules (a real date, not in the
// future, age at most 130) and returns the failing reason code or "".
func birthProblem(b Date, today Date) string {
	switch {
	case !b.Valid():
		return CodeIDBirthDateInvalid
	case b.After(today):
		return CodeIDBirthDateFuture
	case b.AgeOn(today) > 130:
		return CodeIDBirthDateTooOld
	}
	return ""
}

// ValidateResidentID checks a mainland resident identity card number
// (公民身份号码, GB 11643-1999): 6-digit address code (province checked
// strictly; the full code against GB/T 2260 as a warning only, since codes
// stay on cards after regions are abolished), 8-digit birth date (real, not
// after at, age at most 130), 3-digit sequence code (odd for men, even for
// women) and an ISO 7064 MOD 11-2 check character (lower-case x accepted).
// 15-digit first-generation numbers are recognised and reported as no
// longer valid. Valid numbers are checked without allocating.
func ValidateResidentID(number string, at time.Time) (IDNumber, []Reason) {
	return validateResident(cleanID(number), DateOf(at))
}

func validateResident(s string, today Date) (IDNumber, []Reason) {
	id := IDNumber{Type: IDCNResident, Number: s, Version: "1999"}
	switch {
	case s == "":
		return id, []Reason{newReason(CodeIDEmpty, fieldID)}
	case len(s) == 15 && allDigits(s):
		id.Version = "1984"
		if y, m, d, ok := ymd6(s[6:12]); ok {
			id.BirthDate = Date{1900 + y, m, d}
		}
		return id, []Reason{newReason(CodeIDFirstGeneration, fieldID)}
	case len(s) != 18:
		return id, []Reason{newReason(CodeIDLength, fieldID, "n", strconv.Itoa(utf8.RuneCountInString(s)), "want", "18")}
	}
	var reasons []Reason
	birth, sex, reasons, ok := check18(s, today, reasons)
	if !ok {
		return id, reasons
	}
	id.BirthDate, id.Sex = birth, sex
	prov := int(s[0]-'0')*10 + int(s[1]-'0')
	switch {
	case prov == 81 || prov == 82 || prov == 83:
		if isHMTPrefix(s) {
			en, zh := IDHMTResidence.Name()
			reasons = append(reasons, newReason(CodeIDTypeMismatch, fieldID, "type", en, "typezh", zh))
		} else {
			reasons = append(reasons, newReason(CodeIDProvince, fieldID, "code", s[:2]))
		}
	case !provinces[prov]:
		reasons = append(reasons, newReason(CodeIDProvince, fieldID, "code", s[:2]))
	default:
		code := prov*10000 + int(s[2]-'0')*1000 + int(s[3]-'0')*100 + int(s[4]-'0')*10 + int(s[5]-'0')
		if r, ok := regionLookup(int32(code)); ok {
			id.Region = Region{Code: s[:6], Name: r.name, Current: r.current}
		} else {
			p, _ := regionLookup(int32(prov * 10000))
			id.Region = Region{Code: s[:6], Name: p.name}
			reasons = append(reasons, newReason(CodeIDRegionUnknown, fieldID, "code", s[:6]))
		}
	}
	return id, reasons
}

func isHMTPrefix(s string) bool {
	return len(s) >= 6 && (s[:6] == "810000" || s[:6] == "820000" || s[:6] == "830000")
}

// ymd6 splits YYMMDD.
func ymd6(s string) (y, m, d int, ok bool) {
	y, ok1 := digits(s[0:2])
	m, ok2 := digits(s[2:4])
	d, ok3 := digits(s[4:6])
	return y, m, d, ok1 && ok2 && ok3
}

// ValidateHMTResidencePermit checks the number of a residence permit for
// Hong Kong, Macau or Taiwan residents (港澳台居民居住证). Per the State
// Council's 《港澳台居民居住证申领发放办法》 (国办发〔2018〕81号, art. 5) the
// number follows GB 11643-1999 with address code 810000 (Hong Kong), 820000
// (Macau) or 830000 (Taiwan); the rest is checked as a resident ID number.
func ValidateHMTResidencePermit(number string, at time.Time) (IDNumber, []Reason) {
	return validateHMT(cleanID(number), DateOf(at))
}

func validateHMT(s string, today Date) (IDNumber, []Reason) {
	id := IDNumber{Type: IDHMTResidence, Number: s}
	switch {
	case s == "":
		return id, []Reason{newReason(CodeIDEmpty, fieldID)}
	case len(s) != 18:
		return id, []Reason{newReason(CodeIDLength, fieldID, "n", strconv.Itoa(utf8.RuneCountInString(s)), "want", "18")}
	}
	birth, sex, reasons, ok := check18(s, today, nil)
	if !ok {
		return id, reasons
	}
	id.BirthDate, id.Sex = birth, sex
	switch s[:6] {
	case "810000":
		id.Issuer, id.Region = "HK", Region{Code: "810000", Name: "香港特别行政区", Current: true}
	case "820000":
		id.Issuer, id.Region = "MO", Region{Code: "820000", Name: "澳门特别行政区", Current: true}
	case "830000":
		id.Issuer, id.Region = "TW", Region{Code: "830000", Name: "台湾", Current: true}
	default:
		reasons = append(reasons, newReason(CodeHMTAddressCode, fieldID, "code", s[:6]))
	}
	return id, reasons
}

// ValidateForeignPermanentResidence checks the number of a foreigner
// permanent residence ID card (外国人永久居留身份证).
//
// 2023 format (cards issued from 1 December 2023; National Immigration
// Administration, 《新版外国人永久居留身份证机读信息规则》): 18 characters,
// "9", a 2-digit province code of the accepting authority, the 3-digit
// ISO 3166-1 numeric nationality code, the 8-digit birth date, a 3-digit
// sequence code (odd for men, as in resident ID numbers) and a MOD 11-2 check
// character computed exactly as for resident ID numbers.
//
// 2017 (and 2004) format: 15 characters, the ISO 3166-1 alpha-3 nationality
// code and 12 digits. The published rule only says "3 Latin letters + 12
// digits". The split used here (4-digit accepting-authority code whose first
// two digits are a province, 6-digit YYMMDD birth date, 1 digit, 1 check
// digit computed with the ICAO 9303 7-3-1 weights) is widely used by
// implementers but could not be confirmed from an official text, so only the
// letters, the province and the birth date are hard checks, a check-digit
// mismatch is a warning, and no sex is read from this format.
func ValidateForeignPermanentResidence(number string, at time.Time) (IDNumber, []Reason) {
	return validateFPR(cleanID(number), DateOf(at))
}

func validateFPR(s string, today Date) (IDNumber, []Reason) {
	id := IDNumber{Type: IDForeignPermanent, Number: s}
	switch {
	case s == "":
		return id, []Reason{newReason(CodeIDEmpty, fieldID)}
	case len(s) == 18:
		id.Version = "2023"
		if s[0] != '9' {
			return id, []Reason{newReason(CodeIDCharacter, fieldID, "pos", "1", "char", s[:1])}
		}
		birth, sex, reasons, ok := check18(s, today, nil)
		if !ok {
			return id, reasons
		}
		id.BirthDate, id.Sex = birth, sex
		prov := int(s[1]-'0')*10 + int(s[2]-'0')
		if !provinces[prov] {
			reasons = append(reasons, newReason(CodeIDProvince, fieldID, "code", s[1:3]))
		} else {
			p, _ := regionLookup(int32(prov * 10000))
			id.Region = Region{Code: s[1:3] + "0000", Name: p.name, Current: p.current}
		}
		n, _ := digits(s[3:6])
		if c, ok := countryByNumeric(n); ok {
			id.Nationality = c.alpha3
		} else {
			reasons = append(reasons, newReason(CodeFPRNationality, fieldID, "code", s[3:6]))
		}
		return id, reasons
	case len(s) == 15:
		id.Version = "2017"
		if pos, ch := firstBad(s, 0, func(i int, c byte) bool {
			if i < 3 {
				return c >= 'A' && c <= 'Z'
			}
			return isDigit(c)
		}); pos > 0 {
			return id, []Reason{newReason(CodeIDCharacter, fieldID, "pos", strconv.Itoa(pos), "char", ch)}
		}
		var reasons []Reason
		if KnownStateCode(s[:3]) {
			id.Nationality = s[:3]
		} else {
			reasons = append(reasons, newReason(CodeFPRNationality, fieldID, "code", s[:3]))
		}
		prov := int(s[3]-'0')*10 + int(s[4]-'0')
		if !provinces[prov] {
			reasons = append(reasons, newReason(CodeIDProvince, fieldID, "code", s[3:5]))
		} else {
			p, _ := regionLookup(int32(prov * 10000))
			id.Region = Region{Code: s[3:5] + "0000", Name: p.name, Current: p.current}
		}
		yy, m, d, _ := ymd6(s[7:13])
		birth := Date{2000 + yy, m, d}
		if birth.After(today) {
			birth.Year -= 100
		}
		if code := birthProblem(birth, today); code != "" {
			reasons = append(reasons, newReason(code, "birth_date", "date", s[7:13]))
		}
		if birth.Valid() {
			id.BirthDate = birth
		}
		if mrzCheckDigit(s[:14]) != s[14] {
			reasons = append(reasons, newReason(CodeFPRCheckUnconfirmed, fieldID))
		}
		return id, reasons
	}
	return id, []Reason{newReason(CodeIDLength, fieldID, "n", strconv.Itoa(utf8.RuneCountInString(s)), "want", "18")}
}

// ValidateHKMacauTravelPermit checks the number of a mainland travel permit
// for Hong Kong and Macau residents (港澳居民来往内地通行证, "回乡证"): H (Hong
// Kong) or M (Macau) followed by 8 digits, the holder's permanent number, as
// printed on the card issued since 2013. Older permits and some systems add 2
// more digits (the issue count), giving H or M plus 10 digits; both are
// accepted. No check digit has been published, so none is verified.
func ValidateHKMacauTravelPermit(number string) (IDNumber, []Reason) {
	s := cleanID(number)
	id := IDNumber{Type: IDHKMacauTravel, Number: s}
	if s == "" {
		return id, []Reason{newReason(CodeIDEmpty, fieldID)}
	}
	if (s[0] != 'H' && s[0] != 'M') || (len(s) != 9 && len(s) != 11) || !allDigits(s[1:]) {
		return id, []Reason{newReason(CodeTravelPermitFormat, fieldID)}
	}
	id.Issuer = "HK"
	if s[0] == 'M' {
		id.Issuer = "MO"
	}
	return id, nil
}

// ValidateTWTravelPermit checks the number of a mainland travel permit for
// Taiwan residents (台湾居民来往大陆通行证, "台胞证"): 8 digits on the card
// issued since 2015. The booklet permits issued before then carried other
// forms that could not be confirmed and are not accepted; no check digit has
// been published, so none is verified.
func ValidateTWTravelPermit(number string) (IDNumber, []Reason) {
	s := cleanID(number)
	id := IDNumber{Type: IDTWTravel, Number: s}
	if s == "" {
		return id, []Reason{newReason(CodeIDEmpty, fieldID)}
	}
	if len(s) != 8 || !allDigits(s) {
		return id, []Reason{newReason(CodeTWTravelPermitFormat, fieldID)}
	}
	id.Issuer = "TW"
	return id, nil
}

// DetectIDType guesses the document type from the shape of a number
// (after the same normalisation the validators apply); "" when no format
// fits.
func DetectIDType(number string) IDType {
	return detect(cleanID(number))
}

func detect(s string) IDType {
	switch len(s) {
	case 18:
		if allDigits(s[:17]) && (isDigit(s[17]) || s[17] == 'X') {
			switch {
			case s[0] == '9':
				return IDForeignPermanent
			case isHMTPrefix(s):
				return IDHMTResidence
			}
			return IDCNResident
		}
	case 15:
		if allDigits(s) {
			return IDCNResident
		}
		if allDigits(s[3:]) && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2]) {
			return IDForeignPermanent
		}
	case 8:
		if allDigits(s) {
			return IDTWTravel
		}
	case 9, 11:
		if (s[0] == 'H' || s[0] == 'M') && allDigits(s[1:]) {
			return IDHKMacauTravel
		}
	}
	return ""
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// CheckIDNumber validates number as a document of type typ, or of the type
// DetectIDType finds when typ is IDAuto or "". When a type is given but the
// number is a valid number of another type, the reason is ID_TYPE_MISMATCH.
func CheckIDNumber(number string, typ IDType, at time.Time) (IDNumber, []Reason) {
	s := cleanID(number)
	today := DateOf(at)
	found := detect(s)
	if typ == IDAuto || typ == "" {
		typ = found
		if typ == "" {
			typ = guessType(s)
		}
		if typ == "" {
			return IDNumber{Number: s}, []Reason{newReason(CodeIDTypeUnknown, fieldID)}
		}
	}
	id, reasons := validateAs(s, typ, today)
	if found != "" && found != typ && !Valid(reasons) {
		if other, r2 := validateAs(s, found, today); Valid(r2) {
			en, zh := found.Name()
			other.Type = found
			return other, []Reason{newReason(CodeIDTypeMismatch, fieldID, "type", en, "typezh", zh)}
		}
	}
	return id, reasons
}

// guessType picks the type whose error messages will help most when no
// format fits exactly.
func guessType(s string) IDType {
	switch {
	case s == "":
		return IDCNResident
	case (s[0] == 'H' || s[0] == 'M') && len(s) > 1 && isDigit(s[1]):
		return IDHKMacauTravel
	case len(s) >= 4 && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2]) && isDigit(s[3]):
		return IDForeignPermanent
	case s[0] == '9' && len(s) >= 12:
		return IDForeignPermanent
	case isDigit(s[0]) && len(s) >= 12:
		return IDCNResident
	case isDigit(s[0]) && len(s) >= 6 && len(s) <= 10:
		return IDTWTravel
	}
	return ""
}

func validateAs(s string, typ IDType, today Date) (IDNumber, []Reason) {
	switch typ {
	case IDCNResident:
		return validateResident(s, today)
	case IDHMTResidence:
		return validateHMT(s, today)
	case IDForeignPermanent:
		return validateFPR(s, today)
	case IDHKMacauTravel:
		return ValidateHKMacauTravelPermit(s)
	case IDTWTravel:
		return ValidateTWTravelPermit(s)
	}
	return IDNumber{Number: s}, []Reason{newReason(CodeIDTypeUnknown, fieldID)}
}
