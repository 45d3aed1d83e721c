package idrules

import (
	"strings"
	"testing"
)

func TestMod112(t *testing.T) {
	// GB 11643-1999 Appendix A example and a few computed by hand.
	tests := map[string]byte{
		"11010519491231002": 'X',
		"44052418800101001": '4',
		"11010119900307001": '1',
	}
	for s17, want := range tests {
		if got := mod112(s17); got != want {
			t.Errorf("mod112(%s) = %c, want %c", s17, got, want)
		}
	}
}

func TestValidateResidentID(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		codes     []string
		birth     string
		sex       Sex
		region    string
		regionNam string
		version   string
	}{
		{"GB 11643 example", "11010519491231002X", nil, "1949-12-31", SexFemale, "110105", "北京市朝阳区", "1999"},
		{"lower-case x", "11010519491231002x", nil, "1949-12-31", SexFemale, "110105", "北京市朝阳区", "1999"},
		{"spaces and full-width", " 110105 19491231 002X ", nil, "1949-12-31", SexFemale, "110105", "北京市朝阳区", "1999"},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", nil, "1949-12-31", SexFemale, "110105", "北京市朝阳区", "1999"},
		{"male", withCheck("44030319800101001"), nil, "1980-01-01", SexMale, "440303", "广东省深圳市罗湖区", "1999"},
		{"abolished region still fine", withCheck("11010319800101001"), nil, "1980-01-01", SexMale, "110103", "北京市崇文区", "1999"},
		{"unknown county is a warning", withCheck("11019919800101002"), []string{CodeIDRegionUnknown}, "1980-01-01", SexFemale, "110199", "北京市", "1999"},
		{"leap day", withCheck("11010520000229002"), nil, "2000-02-29", SexFemale, "110105", "", "1999"},
		{"empty", "", []string{CodeIDEmpty}, "", "", "", "", "1999"},
		{"17 digits", "11010519491231002", []string{CodeIDLength}, "", "", "", "", "1999"},
		{"19 digits", "11010519491231002X1", []string{CodeIDLength}, "", "", "", "", "1999"},
		{"first generation", "110105491231002", []string{CodeIDFirstGeneration}, "1949-12-31", "", "", "", "1984"},
		{"letter inside", "1101051949123100AX", []string{CodeIDCharacter}, "", "", "", "", "1999"},
		{"X not last", "X10105194912310020", []string{CodeIDCharacter}, "", "", "", "", "1999"},
		{"check character", "110105194912310021", []string{CodeIDCheckCharacter}, "1949-12-31", SexFemale, "110105", "", "1999"},
		{"swapped digits", "110105194912301020", []string{CodeIDCheckCharacter}, "", "", "", "", "1999"},
		{"province unknown", withCheck("99010519491231002"), []string{CodeIDProvince}, "", "", "", "", "1999"},
		{"province 00", withCheck("00010519491231002"), []string{CodeIDProvince}, "", "", "", "", "1999"},
		{"hk prefix not residence", withCheck("81010519491231002"), []string{CodeIDProvince}, "", "", "", "", "1999"},
		{"residence permit number", withCheck("81000019491231002"), []string{CodeIDTypeMismatch}, "", "", "", "", "1999"},
		{"13th month", withCheck("11010519491331002"), []string{CodeIDBirthDateInvalid}, "", "", "", "", "1999"},
		{"30 February", withCheck("11010519900230002"), []string{CodeIDBirthDateInvalid}, "", "", "", "", "1999"},
		{"29 February common year", withCheck("11010519900229002"), []string{CodeIDBirthDateInvalid}, "", "", "", "", "1999"},
		{"day zero", withCheck("11010519900100002"), []string{CodeIDBirthDateInvalid}, "", "", "", "", "1999"},
		{"future", withCheck("11010520260116002"), []string{CodeIDBirthDateFuture}, "", "", "", "", "1999"},
		{"born today", withCheck("11010520260115002"), nil, "2026-01-15", SexFemale, "110105", "", "1999"},
		{"131 years", withCheck("11010518950114002"), []string{CodeIDBirthDateTooOld}, "", "", "", "", "1999"},
		{"130 years", withCheck("11010518960115002"), nil, "1896-01-15", SexFemale, "110105", "", "1999"},
		{"bad date and bad check", flipCheck(withCheck("11010519491331002")), []string{CodeIDBirthDateInvalid, CodeIDCheckCharacter}, "", "", "", "", "1999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, rs := ValidateResidentID(tt.in, testNow)
			assertCodes(t, rs, tt.codes...)
			if tt.birth != "" && id.BirthDate.String() != tt.birth {
				t.Errorf("birth = %s, want %s", id.BirthDate, tt.birth)
			}
			if tt.sex != "" && id.Sex != tt.sex {
				t.Errorf("sex = %s, want %s", id.Sex, tt.sex)
			}
			if tt.region != "" && id.Region.Code != tt.region {
				t.Errorf("region = %+v, want %s", id.Region, tt.region)
			}
			if tt.regionNam != "" && id.Region.Name != tt.regionNam {
				t.Errorf("region name = %q, want %q", id.Region.Name, tt.regionNam)
			}
			if id.Version != tt.version {
				t.Errorf("version = %q, want %q", id.Version, tt.version)
			}
			if id.Type != IDCNResident {
				t.Errorf("type = %q", id.Type)
			}
		})
	}
}

func TestResidentIDMessagesNameTheProblem(t *testing.T) {
	_, rs := ValidateResidentID(withCheck("11010519491331002"), testNow)
	if len(rs) != 1 || !strings.Contains(rs[0].Message.EN, "1949-13-31") || !strings.Contains(rs[0].Message.ZH, "1949-13-31") {
		t.Errorf("birth-date reason should name the date: %+v", rs)
	}
	_, rs = ValidateResidentID("110105194912310021", testNow)
	if len(rs) != 1 || !strings.Contains(rs[0].Message.EN, "mistyped") {
		t.Errorf("check reason should say a digit was mistyped: %+v", rs)
	}
	_, rs = ValidateResidentID("11010519491231002", testNow)
	if len(rs) != 1 || !strings.Contains(rs[0].Message.EN, "17") || !strings.Contains(rs[0].Message.EN, "18") {
		t.Errorf("length reason should give both lengths: %+v", rs)
	}
	_, rs = ValidateResidentID("1101051949123100AX", testNow)
	if len(rs) != 1 || !strings.Contains(rs[0].Message.EN, "17") || !strings.Contains(rs[0].Message.EN, `"A"`) {
		t.Errorf("character reason should give position and character: %+v", rs)
	}
}

func TestOtherIDNumbers(t *testing.T) {
	tests := []struct {
		name        string
		typ         IDType
		in          string
		wantType    IDType
		codes       []string
		issuer      string
		nationality string
		birth       string
		sex         Sex
	}{
		{"HK residence permit", IDHMTResidence, withCheck("81000019900101001"), IDHMTResidence, nil, "HK", "", "1990-01-01", SexMale},
		{"Macau residence permit", IDHMTResidence, withCheck("82000019900101002"), IDHMTResidence, nil, "MO", "", "1990-01-01", SexFemale},
		{"Taiwan residence permit", IDHMTResidence, withCheck("83000019900101002"), IDHMTResidence, nil, "TW", "", "1990-01-01", SexFemale},
		{"residence permit bad prefix", IDHMTResidence, withCheck("81010019900101002"), IDHMTResidence, []string{CodeHMTAddressCode}, "", "", "", ""},
		{"residence permit check", IDHMTResidence, "810000199001010010", IDHMTResidence, []string{CodeIDCheckCharacter}, "HK", "", "", ""},
		{"residence permit length", IDHMTResidence, "8100001990010100", IDHMTResidence, []string{CodeIDLength}, "", "", "", ""},
		{"residence permit future", IDHMTResidence, withCheck("81000020300101001"), IDHMTResidence, []string{CodeIDBirthDateFuture}, "HK", "", "", ""},
		{"mainland number given as residence permit", IDHMTResidence, "11010519491231002X", IDCNResident, []string{CodeIDTypeMismatch}, "", "", "", ""},

		{"permanent residence 2023", IDForeignPermanent, withCheck("91139819901231002"), IDForeignPermanent, nil, "", "KAZ", "1990-12-31", SexFemale},
		{"permanent residence 2023 USA male", IDAuto, withCheck("93184019850615001"), IDForeignPermanent, nil, "", "USA", "1985-06-15", SexMale},
		{"permanent residence 2023 check", IDForeignPermanent, "911398199012310022", IDForeignPermanent, []string{CodeIDCheckCharacter}, "", "KAZ", "", ""},
		{"permanent residence 2023 nationality", IDForeignPermanent, withCheck("91199919901231002"), IDForeignPermanent, []string{CodeFPRNationality}, "", "", "", ""},
		{"permanent residence 2023 province", IDForeignPermanent, withCheck("99939819901231002"), IDForeignPermanent, []string{CodeIDProvince}, "", "KAZ", "", ""},
		{"permanent residence 2023 birth", IDForeignPermanent, withCheck("91139819900230002"), IDForeignPermanent, []string{CodeIDBirthDateInvalid}, "", "KAZ", "", ""},
		{"permanent residence 2017", IDForeignPermanent, "KAZ110090123105", IDForeignPermanent, nil, "", "KAZ", "1990-12-31", ""},
		{"permanent residence 2017 lower case", IDAuto, "kaz110090123105", IDForeignPermanent, nil, "", "KAZ", "1990-12-31", ""},
		{"permanent residence 2017 recent birth", IDForeignPermanent, fpr15("USA3100150601" + "2"), IDForeignPermanent, nil, "", "USA", "2015-06-01", ""},
		{"permanent residence 2017 check unconfirmed", IDForeignPermanent, "KAZ110090123107", IDForeignPermanent, []string{CodeFPRCheckUnconfirmed}, "", "KAZ", "1990-12-31", ""},
		{"permanent residence 2017 nationality", IDForeignPermanent, fpr15("KAA1100901231"), IDForeignPermanent, []string{CodeFPRNationality}, "", "", "", ""},
		{"permanent residence 2017 province", IDForeignPermanent, fpr15("KAZ9900901231"), IDForeignPermanent, []string{CodeIDProvince}, "", "KAZ", "", ""},
		{"permanent residence 2017 birth", IDForeignPermanent, fpr15("KAZ1100900231"), IDForeignPermanent, []string{CodeIDBirthDateInvalid}, "", "KAZ", "", ""},
		{"permanent residence 2017 digit in letters", IDForeignPermanent, "K1Z110090123105", IDForeignPermanent, []string{CodeIDCharacter}, "", "", "", ""},
		{"permanent residence wrong length", IDForeignPermanent, "KAZ11009012310", IDForeignPermanent, []string{CodeIDLength}, "", "", "", ""},
		{"permanent residence 18 not 9", IDForeignPermanent, "11010519491231002X", IDCNResident, []string{CodeIDTypeMismatch}, "", "", "", ""},

		{"HK travel permit", IDHKMacauTravel, "H12345678", IDHKMacauTravel, nil, "HK", "", "", ""},
		{"Macau travel permit 10 digits", IDHKMacauTravel, "m1234567801", IDHKMacauTravel, nil, "MO", "", "", ""},
		{"travel permit 9 digits", IDHKMacauTravel, "H123456789", IDHKMacauTravel, []string{CodeTravelPermitFormat}, "", "", "", ""},
		{"travel permit letter", IDHKMacauTravel, "A12345678", IDHKMacauTravel, []string{CodeTravelPermitFormat}, "", "", "", ""},
		{"travel permit empty", IDHKMacauTravel, " ", IDHKMacauTravel, []string{CodeIDEmpty}, "", "", "", ""},
		{"Taiwan travel permit", IDTWTravel, "12345678", IDTWTravel, nil, "TW", "", "", ""},
		{"Taiwan travel permit 7 digits", IDTWTravel, "1234567", IDTWTravel, []string{CodeTWTravelPermitFormat}, "", "", "", ""},
		{"Taiwan travel permit letters", IDTWTravel, "1234567A", IDTWTravel, []string{CodeTWTravelPermitFormat}, "", "", "", ""},
		{"HK permit chosen as Taiwan", IDTWTravel, "H12345678", IDHKMacauTravel, []string{CodeIDTypeMismatch}, "", "", "", ""},

		{"auto resident", IDAuto, "11010519491231002X", IDCNResident, nil, "", "", "1949-12-31", SexFemale},
		{"auto residence permit", "", withCheck("83000019900101002"), IDHMTResidence, nil, "TW", "", "", ""},
		{"auto first generation", IDAuto, "110105491231002", IDCNResident, []string{CodeIDFirstGeneration}, "", "", "", ""},
		{"auto short number", IDAuto, "1101051949123100", IDCNResident, []string{CodeIDLength}, "", "", "", ""},
		{"auto HK typo", IDAuto, "H1234567", IDHKMacauTravel, []string{CodeTravelPermitFormat}, "", "", "", ""},
		{"auto garbage", IDAuto, "hello!", "", []string{CodeIDTypeUnknown}, "", "", "", ""},
		{"auto empty", IDAuto, "", IDCNResident, []string{CodeIDEmpty}, "", "", "", ""},
		{"unknown type", IDType("passport"), "E12345678", "", []string{CodeIDTypeUnknown}, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, rs := CheckIDNumber(tt.in, tt.typ, testNow)
			assertCodes(t, rs, tt.codes...)
			if id.Type != tt.wantType {
				t.Errorf("type = %q, want %q", id.Type, tt.wantType)
			}
			if tt.issuer != "" && id.Issuer != tt.issuer {
				t.Errorf("issuer = %q, want %q", id.Issuer, tt.issuer)
			}
			if tt.nationality != "" && id.Nationality != tt.nationality {
				t.Errorf("nationality = %q, want %q", id.Nationality, tt.nationality)
			}
			if tt.birth != "" && id.BirthDate.String() != tt.birth {
				t.Errorf("birth = %s, want %s", id.BirthDate, tt.birth)
			}
			if tt.sex != "" && id.Sex != tt.sex {
				t.Errorf("sex = %q, want %q", id.Sex, tt.sex)
			}
		})
	}
}

// fpr15 completes a 14-character 2017 permanent-residence number with the
// 7-3-1 check digit (a 15-character argument is returned as is).
func fpr15(s string) string {
	if len(s) == 14 {
		return s + string(mrzCheckDigit(s))
	}
	if len(s) == 13 {
		s += "0"
		return s + string(mrzCheckDigit(s))
	}
	return s
}

func TestDetectIDType(t *testing.T) {
	tests := map[string]IDType{
		"11010519491231002X": IDCNResident,
		"110105491231002":    IDCNResident,
		"810000199001010018": IDHMTResidence,
		"911398199012310021": IDForeignPermanent,
		"KAZ110090123105":    IDForeignPermanent,
		"H12345678":          IDHKMacauTravel,
		"M1234567801":        IDHKMacauTravel,
		"12345678":           IDTWTravel,
		"E12345678":          "",
		"":                   "",
	}
	for in, want := range tests {
		if got := DetectIDType(in); got != want {
			t.Errorf("DetectIDType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookupRegion(t *testing.T) {
	r, ok := LookupRegion("110105")
	if !ok || r.Name != "北京市朝阳区" || !r.Current {
		t.Errorf("110105 = %+v, %v", r, ok)
	}
	r, ok = LookupRegion("110103")
	if !ok || r.Name != "北京市崇文区" || r.Current {
		t.Errorf("110103 (abolished 2010) = %+v, %v", r, ok)
	}
	for _, bad := range []string{"", "11010", "1101055", "abcdef", "999999"} {
		if _, ok := LookupRegion(bad); ok {
			t.Errorf("LookupRegion(%q) found something", bad)
		}
	}
	for p := range 100 {
		mainland := (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
			(p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || p == 81 || p == 82
		if provinces[p] != mainland {
			t.Errorf("provinces[%d] = %v, want %v", p, provinces[p], mainland)
		}
	}
	if len(regionTable) < 3000 {
		t.Errorf("region table has only %d entries", len(regionTable))
	}
	for i := 1; i < len(regionTable); i++ {
		if regionTable[i-1].code >= regionTable[i].code {
			t.Fatalf("region table not sorted at %d", i)
		}
	}
}

func TestCountries(t *testing.T) {
	for _, c := range []string{"CHN", "USA", "DEU", "D<<", "GBN", "UNO", "XXA", "XXX", "EUE", "UTO", "RKS", "TWN", "HKG", "MAC"} {
		if !KnownStateCode(c) {
			t.Errorf("%s should be known", c)
		}
	}
	for _, c := range []string{"", "ZZZ", "ABC", "D", "DEU1", "<<<"} {
		if KnownStateCode(c) {
			t.Errorf("%q should be unknown", c)
		}
	}
	if c, ok := countryByNumeric(156); !ok || c.alpha3 != "CHN" {
		t.Errorf("156 = %+v", c)
	}
	for i := 1; i < len(countryTable); i++ {
		if countryTable[i-1].alpha3 >= countryTable[i].alpha3 {
			t.Fatalf("country table not sorted at %d", i)
		}
	}
}

// flipCheck replaces the last character with a different valid one.
func flipCheck(s string) string {
	if s[17] == '0' {
		return s[:17] + "1"
	}
	return s[:17] + "0"
}
