package idrules

import (
	"strings"
	"testing"
	"time"
)

// ICAO Doc 9303 specimens (Part 4 Appendix, Part 5 Appendix, Part 6 Appendix).
var (
	td3Specimen = []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	td1Specimen = []string{
		"I<UTOD231458907<<<<<<<<<<<<<<<",
		"7408122F1204159UTO<<<<<<<<<<<6",
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
	}
	td1LongNumber = []string{
		"I<UTOD23145890<7349<<<<<<<<<<<",
		"3407127M9507122UTO<<<<<<<<<<<2",
		"STEVENSON<<PETER<JOHN<<<<<<<<<",
	}
	td2Specimen = []string{
		"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"D231458907UTO7408122F1204159<<<<<<<6",
	}
	specimenDay = time.Date(2010, 6, 1, 0, 0, 0, 0, time.UTC)
)

// set replaces the character at index i of line l.
func set(lines []string, l, i int, c byte) []string {
	out := append([]string(nil), lines...)
	b := []byte(out[l])
	b[i] = c
	out[l] = string(b)
	return out
}

// real turns a specimen into a non-specimen document from Germany-free
// country NLD, fixing the check digits that cover the issuing state.
func withState(lines []string, state string) []string {
	out := append([]string(nil), lines...)
	out[0] = out[0][:2] + state + out[0][5:]
	return out
}

func TestParseMRZSpecimens(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		at    time.Time
		want  MRZ
		codes []string
	}{
		{"TD3", td3Specimen, specimenDay, MRZ{Format: FormatTD3, DocumentType: "P", IssuingState: "UTO", DocumentNumber: "L898902C3",
			Nationality: "UTO", BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15}, Surname: "ERIKSSON",
			GivenNames: "ANNA MARIA", OptionalData: "ZE184226B"}, []string{CodeMRZSpecimen}},
		{"TD1", td1Specimen, specimenDay, MRZ{Format: FormatTD1, DocumentType: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
			Nationality: "UTO", BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15}, Surname: "ERIKSSON",
			GivenNames: "ANNA MARIA"}, []string{CodeMRZSpecimen}},
		{"TD1 long document number", td1LongNumber, time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC), MRZ{Format: FormatTD1, DocumentType: "I",
			IssuingState: "UTO", DocumentNumber: "D23145890734", Nationality: "UTO", BirthDate: Date{1934, 7, 12}, Sex: "M",
			ExpiryDate: Date{1995, 7, 12}, Surname: "STEVENSON", GivenNames: "PETER JOHN"}, []string{CodeMRZSpecimen}},
		{"TD2", td2Specimen, specimenDay, MRZ{Format: FormatTD2, DocumentType: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
			Nationality: "UTO", BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15}, Surname: "ERIKSSON",
			GivenNames: "ANNA MARIA"}, []string{CodeMRZSpecimen}},
		{"TD3 expired", td3Specimen, testNow, MRZ{Format: FormatTD3, DocumentType: "P", IssuingState: "UTO", DocumentNumber: "L898902C3",
			Nationality: "UTO", BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15}, Surname: "ERIKSSON",
			GivenNames: "ANNA MARIA", OptionalData: "ZE184226B"}, []string{CodeMRZSpecimen, CodeMRZExpired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rs := ParseMRZ(tt.lines, tt.at)
			assertCodes(t, rs, tt.codes...)
			if m != tt.want {
				t.Errorf("got  %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

func TestParseMRZFailures(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		codes []string
	}{
		{"empty", nil, []string{CodeMRZEmpty}},
		{"blank lines only", []string{" ", ""}, []string{CodeMRZEmpty}},
		{"one line", td3Specimen[:1], []string{CodeMRZLines}},
		{"four lines", append(append([]string{}, td1Specimen...), "X"), []string{CodeMRZLines}},
		{"TD3 line 2 short", []string{td3Specimen[0], td3Specimen[1][:43]}, []string{CodeMRZLineLength}},
		{"TD3 line 2 long", []string{td3Specimen[0], td3Specimen[1] + "<"}, []string{CodeMRZLineLength}},
		{"TD1 line 2 short", []string{td1Specimen[0], td1Specimen[1][:29], td1Specimen[2]}, []string{CodeMRZLineLength}},
		{"bad character", set(td3Specimen, 1, 3, '#'), []string{CodeMRZCharacter}},
		{"space inside", set(td3Specimen, 1, 3, ' '), []string{CodeMRZCharacter}},
		{"document number check", set(td3Specimen, 1, 9, '7'), []string{CodeMRZSpecimen, CodeMRZCheckDocNumber, CodeMRZCheckComposite}},
		{"misread document number", set(td3Specimen, 1, 0, 'M'), []string{CodeMRZSpecimen, CodeMRZCheckDocNumber, CodeMRZCheckComposite}},
		{"birth check", set(td3Specimen, 1, 19, '3'), []string{CodeMRZSpecimen, CodeMRZCheckBirthDate, CodeMRZCheckComposite}},
		{"expiry check", set(td3Specimen, 1, 27, '0'), []string{CodeMRZSpecimen, CodeMRZCheckExpiryDate, CodeMRZCheckComposite}},
		{"personal number check", set(td3Specimen, 1, 42, '2'), []string{CodeMRZSpecimen, CodeMRZCheckOptionalData, CodeMRZCheckComposite}},
		{"composite check", set(td3Specimen, 1, 43, '1'), []string{CodeMRZSpecimen, CodeMRZCheckComposite}},
		{"TD1 composite", set(td1Specimen, 1, 29, '5'), []string{CodeMRZSpecimen, CodeMRZCheckComposite}},
		{"TD1 number check", set(td1Specimen, 0, 14, '6'), []string{CodeMRZSpecimen, CodeMRZCheckDocNumber, CodeMRZCheckComposite}},
		{"TD1 long number check", set(td1LongNumber, 0, 18, '8'), []string{CodeMRZSpecimen, CodeMRZCheckDocNumber, CodeMRZExpired, CodeMRZCheckComposite}},
		{"TD1 long number without digits", set(td1LongNumber, 0, 15, '<'), []string{CodeMRZSpecimen, CodeMRZCheckDocNumber, CodeMRZExpired, CodeMRZCheckComposite}},
		{"TD2 composite", set(td2Specimen, 1, 35, '5'), []string{CodeMRZSpecimen, CodeMRZCheckComposite}},
		{"TD2 birth check", set(td2Specimen, 1, 19, '0'), []string{CodeMRZSpecimen, CodeMRZCheckBirthDate, CodeMRZCheckComposite}},
		{"unknown issuing state", withState(td3Specimen, "ZZZ"), []string{CodeMRZIssuingState}},
		{"unknown nationality", []string{td3Specimen[0], "L898902C36ZZZ7408122F1204159ZE184226B<<<<<10"}, []string{CodeMRZSpecimen, CodeMRZNationality}},
		{"TD3 document type", set(td3Specimen, 0, 0, 'I'), []string{CodeMRZDocumentType, CodeMRZSpecimen}},
		{"TD1 document type", set(td1Specimen, 0, 0, 'P'), []string{CodeMRZDocumentType, CodeMRZSpecimen}},
		{"sex (not covered by the composite)", set(td3Specimen, 1, 20, 'Q'), []string{CodeMRZSpecimen, CodeMRZSex}},
		{"name missing", []string{"P<UTO" + strings.Repeat("<", 39), td3Specimen[1]}, []string{CodeMRZSpecimen, CodeMRZNameMissing}},
		{"digit in name", set(td3Specimen, 0, 7, '1'), []string{CodeMRZSpecimen, CodeMRZNameCharacter}},
		{"name truncated", []string{"P<UTOERIKSSON<<ANNA<MARIA<" + strings.Repeat("X", 18), td3Specimen[1]}, []string{CodeMRZSpecimen, CodeMRZNameTruncated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rs := ParseMRZ(tt.lines, specimenDay)
			assertCodes(t, rs, tt.codes...)
			if Valid(rs) {
				for _, c := range tt.codes {
					if c != CodeMRZSpecimen && c != CodeMRZNameTruncated {
						t.Errorf("expected invalid")
					}
				}
			}
		})
	}
}

func TestParseMRZDates(t *testing.T) {
	mk := func(birth, expiry string) []string {
		var c checkSum
		l2 := "L898902C36UTO" + birth + string(mrzCheckDigit(birth)) + "F" + expiry + string(mrzCheckDigit(expiry)) + "ZE184226B<<<<<1"
		c.add(l2[0:10])
		c.add(l2[13:20])
		c.add(l2[21:43])
		return []string{td3Specimen[0], l2 + string(c.digit())}
	}
	tests := []struct {
		name          string
		birth, expiry string
		codes         []string
		wantBirth     Date
		wantExpiry    Date
	}{
		{"20th century birth", "740812", "301231", nil, Date{1974, 8, 12}, Date{2030, 12, 31}},
		{"21st century birth", "150101", "301231", nil, Date{2015, 1, 1}, Date{2030, 12, 31}},
		{"birth next year is last century", "270101", "301231", nil, Date{1927, 1, 1}, Date{2030, 12, 31}},
		{"unknown birth day", "7408<<", "301231", []string{CodeMRZBirthDateUnknown}, Date{}, Date{2030, 12, 31}},
		{"invalid birth", "741332", "301231", []string{CodeMRZBirthDateInvalid}, Date{}, Date{2030, 12, 31}},
		{"letter in birth", "74O812", "301231", []string{CodeMRZBirthDateInvalid}, Date{}, Date{2030, 12, 31}},
		{"invalid expiry", "740812", "300230", []string{CodeMRZExpiryDateInvalid}, Date{1974, 8, 12}, Date{}},
		{"expired yesterday", "740812", "260114", []string{CodeMRZExpired}, Date{1974, 8, 12}, Date{2026, 1, 14}},
		{"expires today", "740812", "260115", nil, Date{1974, 8, 12}, Date{2026, 1, 15}},
		{"expired last century", "740812", "991231", []string{CodeMRZExpired}, Date{1974, 8, 12}, Date{1999, 12, 31}},
		{"no expiry", "740812", "<<<<<<", nil, Date{1974, 8, 12}, Date{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rs := ParseMRZ(withState(mk(tt.birth, tt.expiry), "UTO"), testNow)
			assertCodes(t, rs, append([]string{CodeMRZSpecimen}, tt.codes...)...)
			if m.BirthDate != tt.wantBirth || m.ExpiryDate != tt.wantExpiry {
				t.Errorf("birth %v expiry %v, want %v %v", m.BirthDate, m.ExpiryDate, tt.wantBirth, tt.wantExpiry)
			}
		})
	}
}

func TestParseMRZNoise(t *testing.T) {
	// Surrounding spaces, lower case and CRLF are tolerated silently.
	m, rs := ParseMRZText("  p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<  \r\n"+td3Specimen[1]+"\n\n", specimenDay)
	assertCodes(t, rs, CodeMRZSpecimen)
	if m.Surname != "ERIKSSON" || m.DocumentNumber != "L898902C3" {
		t.Errorf("got %+v", m)
	}
	// A name line that lost its trailing fillers is padded, with a warning.
	_, rs = ParseMRZ([]string{"P<UTOERIKSSON<<ANNA<MARIA", td3Specimen[1]}, specimenDay)
	assertCodes(t, rs, CodeMRZLinePadded, CodeMRZSpecimen)
	// ... and one with extra fillers is trimmed.
	_, rs = ParseMRZ([]string{td3Specimen[0] + "<<", td3Specimen[1]}, specimenDay)
	assertCodes(t, rs, CodeMRZLinePadded, CodeMRZSpecimen)
	// Extra non-filler characters are not trimmed.
	_, rs = ParseMRZ([]string{td3Specimen[0] + "X", td3Specimen[1]}, specimenDay)
	assertCodes(t, rs, CodeMRZLineLength)
	// The check-digit lines are never padded.
	_, rs = ParseMRZ([]string{td3Specimen[0], strings.TrimRight(td3Specimen[1][:40], "<")}, specimenDay)
	assertCodes(t, rs, CodeMRZLineLength)
}

func TestParseMRZRealState(t *testing.T) {
	// Germany writes "D<<"; the check digits do not cover the issuing state.
	m, rs := ParseMRZ(withState(td3Specimen, "D<<"), specimenDay)
	assertCodes(t, rs)
	if m.IssuingState != "D" {
		t.Errorf("issuing state = %q", m.IssuingState)
	}
	// Empty personal number: the check digit may be < or 0.
	l2 := "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<"
	var c checkSum
	c.add(l2[0:10])
	c.add(l2[13:20])
	c.add(l2[21:43])
	m, rs = ParseMRZ([]string{withState(td3Specimen, "NLD")[0], l2 + string(c.digit())}, specimenDay)
	assertCodes(t, rs)
	if m.OptionalData != "" {
		t.Errorf("optional data = %q", m.OptionalData)
	}
}

func TestParseMRZVisa(t *testing.T) {
	// MRV-A layout: 44 characters, no composite check digit.
	lines := []string{
		"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
	}
	m, rs := ParseMRZ(lines, time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC))
	assertCodes(t, rs, CodeMRZSpecimen)
	if m.Format != FormatMRVA || m.DocumentNumber != "L8988901C" || m.Nationality != "XXX" || m.OptionalData != "6ZE184226B" {
		t.Errorf("got %+v", m)
	}
}

func TestMRZCheckDigit(t *testing.T) {
	tests := map[string]byte{"L898902C3": '6', "740812": '2', "120415": '9', "ZE184226B<<<<<": '1', "D23145890734": '9', "<<<<<<": '0'}
	for s, want := range tests {
		if got := mrzCheckDigit(s); got != want {
			t.Errorf("check digit of %s = %c, want %c", s, got, want)
		}
	}
}
