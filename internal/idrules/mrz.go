package idrules

import (
	"strconv"
	"strings"
	"time"
)

// MRZ formats (ICAO Doc 9303 Parts 4 to 7).
const (
	FormatTD1  = "TD1"  // 3 lines of 30: ID cards (Part 5)
	FormatTD2  = "TD2"  // 2 lines of 36: ID cards (Part 6)
	FormatTD3  = "TD3"  // 2 lines of 44: passports (Part 4)
	FormatMRVA = "MRVA" // 2 lines of 44: visas (Part 7), no composite check digit
	FormatMRVB = "MRVB" // 2 lines of 36: visas (Part 7), no composite check digit
)

// MRZ is what a machine-readable zone says. Filler characters are removed
// from every field; dates that are unknown or not real are left zero.
type MRZ struct {
	Format         string `json:"format"`
	DocumentType   string `json:"document_type"`   // "P", "PO", "I", "ID", "AC", "V"...
	IssuingState   string `json:"issuing_state"`   // ISO 3166-1 alpha-3 or an ICAO code; "D" for Germany
	DocumentNumber string `json:"document_number"` // including the overflow part of long TD1/TD2 numbers
	Nationality    string `json:"nationality"`
	BirthDate      Date   `json:"birth_date,omitzero"`
	Sex            string `json:"sex,omitempty"` // "M", "F", "X" or "" (unspecified)
	ExpiryDate     Date   `json:"expiry_date,omitzero"`
	Surname        string `json:"surname"`                   // primary identifier, '<' turned into spaces
	GivenNames     string `json:"given_names"`               // secondary identifier, '<' turned into spaces
	OptionalData   string `json:"optional_data,omitempty"`   // personal number (TD3) or optional data (line 1 of TD1, line 2 of TD2)
	OptionalData2  string `json:"optional_data_2,omitempty"` // optional data in line 2 of TD1
	NameTruncated  bool   `json:"name_truncated,omitempty"`  // the name fills its whole field and may be cut short
}

// mrzCheckDigit computes the ICAO 9303 Part 3 §4.9 check digit (weights 7,
// 3, 1; digits count as themselves, A-Z as 10-35, '<' and anything else as
// 0) of s, as an ASCII digit.
func mrzCheckDigit(s string) byte {
	var c checkSum
	c.add(s)
	return c.digit()
}

// checkSum accumulates a check digit over several fields without
// concatenating them.
type checkSum struct{ sum, n int }

func (c *checkSum) add(s string) {
	w, sum := c.n%3, c.sum
	for i := 0; i < len(s); i++ {
		sum += int(mrzValue[s[i]]) * int(mrzWeights[w])
		if w++; w == 3 {
			w = 0
		}
	}
	c.n += len(s)
	c.sum = sum
}

// mrzWeights are the repeating check-digit weights.
var mrzWeights = [3]uint8{7, 3, 1}

// mrzValue maps a byte to its check-digit value; isMRZ marks the bytes an
// MRZ may hold.
var mrzValue, isMRZ = func() (v [256]byte, ok [256]bool) {
	for c := '0'; c <= '9'; c++ {
		v[c], ok[c] = byte(c-'0'), true
	}
	for c := 'A'; c <= 'Z'; c++ {
		v[c], ok[c] = byte(c-'A'+10), true
	}
	ok['<'] = true
	return v, ok
}()

func (c *checkSum) digit() byte { return byte('0' + c.sum%10) }

func isMRZChar(c byte) bool { return isMRZ[c] }

// ParseMRZText splits text into lines (dropping blank ones) and parses them
// with ParseMRZ.
func ParseMRZText(text string, at time.Time) (MRZ, []Reason) {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return ParseMRZ(lines, at)
}

// ParseMRZ parses a machine-readable zone (ICAO Doc 9303): TD3 passports,
// TD1 and TD2 identity cards and the two visa formats. It verifies every
// check digit (document number, including the TD1/TD2 long-number overflow
// into the optional data; birth date; expiry date; personal number; the
// composite), the issuing state and nationality codes, the dates, the sex
// and the name, and reports an expiry date before the calendar date of at.
//
// Only noise that cannot change a field's meaning is tolerated: surrounding
// spaces, lower-case letters, blank lines, and name or optional-data lines
// that lost or gained trailing '<' fillers (reported as a warning). Check
// digits are never corrected.
func ParseMRZ(lines []string, at time.Time) (MRZ, []Reason) {
	var m MRZ
	var reasons []Reason
	clean := make([]string, 0, 3)
	for _, l := range lines {
		l = strings.ToUpper(strings.TrimSpace(l))
		if l != "" {
			clean = append(clean, l)
		}
	}
	var want int
	switch len(clean) {
	case 0:
		return m, []Reason{newReason(CodeMRZEmpty, "mrz")}
	case 3:
		m.Format, want = FormatTD1, 30
	case 2:
		m.Format, want = FormatTD2, 36
		if len(clean[0]) > 40 || len(clean[1]) > 40 {
			m.Format, want = FormatTD3, 44
		}
		if clean[0][0] == 'V' {
			m.Format = FormatMRVB
			if want == 44 {
				m.Format = FormatMRVA
			}
		}
	default:
		return m, []Reason{newReason(CodeMRZLines, "mrz", "n", strconv.Itoa(len(clean)))}
	}
	// Lines whose tail is filler by construction (names, TD1 optional data)
	// may be padded or trimmed; the others must have the exact length.
	for i, l := range clean {
		paddable := i == 0 || (m.Format == FormatTD1 && i == 2)
		switch {
		case len(l) == want:
		case paddable && len(l) < want:
			clean[i] = l + strings.Repeat("<", want-len(l))
			reasons = append(reasons, newReason(CodeMRZLinePadded, "mrz", "line", strconv.Itoa(i+1)))
		case paddable && strings.Trim(l[want:], "<") == "":
			clean[i] = l[:want]
			reasons = append(reasons, newReason(CodeMRZLinePadded, "mrz", "line", strconv.Itoa(i+1)))
		default:
			return m, append(reasons, newReason(CodeMRZLineLength, "mrz", "line", strconv.Itoa(i+1),
				"n", strconv.Itoa(len([]rune(l))), "want", strconv.Itoa(want)))
		}
		for j := 0; j < want; j++ {
			if !isMRZChar(clean[i][j]) {
				ch := string([]rune(clean[i][j:])[0])
				return m, append(reasons, newReason(CodeMRZCharacter, "mrz", "line", strconv.Itoa(i+1),
					"pos", strconv.Itoa(len([]rune(clean[i][:j]))+1), "char", ch))
			}
		}
	}
	today := DateOf(at)
	switch m.Format {
	case FormatTD1:
		reasons = parseTD1(&m, clean[0], clean[1], clean[2], today, reasons)
	default:
		reasons = parseTD23(&m, clean[0], clean[1], today, reasons)
	}
	return m, reasons
}

func trimFill(s string) string { return strings.TrimRight(s, "<") }

// parseTD23 parses the two-line formats: TD3 and MRV-A (44 characters),
// TD2 and MRV-B (36 characters). Their second lines share a layout up to
// position 28.
func parseTD23(m *MRZ, l1, l2 string, today Date, reasons []Reason) []Reason {
	n := len(l1)
	reasons = header(m, l1, reasons)
	reasons = parseName(m, l1[5:], reasons)

	visa := m.Format == FormatMRVA || m.Format == FormatMRVB
	optEnd := n - 1 // TD3: personal number check at 42, composite at 43; TD2: composite at 35
	if visa {
		optEnd = n
	}
	m.Nationality = trimFill(l2[10:13])
	reasons = checkState(l2[10:13], CodeMRZNationality, "nationality", reasons)
	reasons = dates(m, l2[13:19], l2[19], l2[20], l2[21:27], l2[27], today, reasons)

	switch m.Format {
	case FormatTD3:
		pn := l2[28:42]
		m.OptionalData = trimFill(pn)
		cd := l2[42]
		empty := m.OptionalData == ""
		if !(empty && (cd == '<' || cd == '0')) && mrzCheckDigit(pn) != cd {
			reasons = append(reasons, newReason(CodeMRZCheckOptionalData, "optional_data"))
		}
	default:
		m.OptionalData = trimFill(l2[28:optEnd])
	}
	// Document number, with the long-number overflow of Part 6 for TD2.
	num, numOK := l2[0:9], false
	if l2[9] == '<' && m.Format == FormatTD2 {
		var rest string
		num, rest, numOK = overflowNumber(l2[0:9], l2[28:optEnd])
		m.OptionalData = trimFill(rest)
	} else {
		numOK = mrzCheckDigit(num) == l2[9]
	}
	m.DocumentNumber = trimFill(num)
	reasons = numberReasons(m.DocumentNumber, numOK, reasons)

	if !visa {
		var c checkSum
		c.add(l2[0:10])
		c.add(l2[13:20])
		c.add(l2[21 : n-1])
		if c.digit() != l2[n-1] {
			reasons = append(reasons, newReason(CodeMRZCheckComposite, "mrz"))
		}
	}
	return reasons
}

// parseTD1 parses the three-line TD1 format (Doc 9303 Part 5).
func parseTD1(m *MRZ, l1, l2, l3 string, today Date, reasons []Reason) []Reason {
	reasons = header(m, l1, reasons)
	num, numOK := l1[5:14], false
	opt := l1[15:30]
	if l1[14] == '<' {
		num, opt, numOK = overflowNumber(l1[5:14], l1[15:30])
	} else {
		numOK = mrzCheckDigit(num) == l1[14]
	}
	m.DocumentNumber = trimFill(num)
	m.OptionalData = trimFill(opt)
	reasons = numberReasons(m.DocumentNumber, numOK, reasons)

	reasons = dates(m, l2[0:6], l2[6], l2[7], l2[8:14], l2[14], today, reasons)
	m.Nationality = trimFill(l2[15:18])
	reasons = checkState(l2[15:18], CodeMRZNationality, "nationality", reasons)
	m.OptionalData2 = trimFill(l2[18:29])

	var c checkSum
	c.add(l1[5:30])
	c.add(l2[0:7])
	c.add(l2[8:15])
	c.add(l2[18:29])
	if c.digit() != l2[29] {
		reasons = append(reasons, newReason(CodeMRZCheckComposite, "mrz"))
	}
	return parseName(m, l3, reasons)
}

// overflowNumber handles a document number longer than 9 characters (Doc
// 9303 Part 5 §4.2.4 note j, Part 6): the check-digit position holds '<',
// the remaining characters start the optional data and are followed by the
// check digit of the whole number and a filler. It returns the whole number,
// the optional data after it and whether the check digit matches.
func overflowNumber(first9, opt string) (num, rest string, ok bool) {
	end := strings.IndexByte(opt, '<')
	if end < 0 {
		end = len(opt)
	}
	if end < 2 { // at least one more character and the check digit
		return first9, opt, false
	}
	num = first9 + opt[:end-1]
	return num, opt[end:], mrzCheckDigit(num) == opt[end-1]
}

func numberReasons(num string, ok bool, reasons []Reason) []Reason {
	if num == "" {
		return append(reasons, newReason(CodeMRZDocumentNumber, "document_number"))
	}
	if !ok {
		return append(reasons, newReason(CodeMRZCheckDocNumber, "document_number"))
	}
	return reasons
}

// header reads the document type and issuing state shared by every format.
func header(m *MRZ, l1 string, reasons []Reason) []Reason {
	m.DocumentType = trimFill(l1[0:2])
	ok := false
	switch m.Format {
	case FormatTD3:
		ok = l1[0] == 'P'
	case FormatMRVA, FormatMRVB:
		ok = l1[0] == 'V'
	default:
		ok = l1[0] == 'I' || l1[0] == 'A' || l1[0] == 'C'
	}
	if !ok {
		reasons = append(reasons, newReason(CodeMRZDocumentType, "document_type", "value", l1[0:2]))
	}
	m.IssuingState = trimFill(l1[2:5])
	reasons = checkState(l1[2:5], CodeMRZIssuingState, "issuing_state", reasons)
	if l1[2:5] == "UTO" {
		reasons = append(reasons, newReason(CodeMRZSpecimen, "issuing_state"))
	}
	return reasons
}

func checkState(code, reason, field string, reasons []Reason) []Reason {
	if KnownStateCode(code) {
		return reasons
	}
	return append(reasons, newReason(reason, field, "code", code))
}

// dates reads birth date, sex and expiry date with their check digits.
func dates(m *MRZ, birth string, birthCD, sex byte, expiry string, expiryCD byte, today Date, reasons []Reason) []Reason {
	if mrzCheckDigit(birth) != birthCD {
		reasons = append(reasons, newReason(CodeMRZCheckBirthDate, "birth_date"))
	}
	if strings.IndexByte(birth, '<') >= 0 {
		reasons = append(reasons, newReason(CodeMRZBirthDateUnknown, "birth_date"))
	} else if yy, mm, dd, ok := ymd6(birth); ok {
		// Doc 9303 gives no century; a birth date cannot be in the future.
		d := Date{2000 + yy, mm, dd}
		if d.After(today) {
			d.Year -= 100
		}
		if d.Valid() {
			m.BirthDate = d
		} else {
			reasons = append(reasons, newReason(CodeMRZBirthDateInvalid, "birth_date", "date", birth))
		}
	} else {
		reasons = append(reasons, newReason(CodeMRZBirthDateInvalid, "birth_date", "date", birth))
	}

	switch sex {
	case 'M', 'F', 'X':
		m.Sex = string(sex)
	case '<':
	default:
		reasons = append(reasons, newReason(CodeMRZSex, "sex", "char", string(sex)))
	}

	if mrzCheckDigit(expiry) != expiryCD {
		reasons = append(reasons, newReason(CodeMRZCheckExpiryDate, "expiry_date"))
	}
	if expiry == "<<<<<<" {
		return reasons // no expiry date (allowed on some identity cards)
	}
	if yy, mm, dd, ok := ymd6(expiry); ok {
		// Expiry dates are taken in 2000-2099 unless that is implausibly far
		// in the future (then 1900-1999, an expired document).
		d := Date{2000 + yy, mm, dd}
		if d.Year > today.Year+50 {
			d.Year -= 100
		}
		if !d.Valid() {
			return append(reasons, newReason(CodeMRZExpiryDateInvalid, "expiry_date", "date", expiry))
		}
		m.ExpiryDate = d
		if d.Before(today) {
			reasons = append(reasons, newReason(CodeMRZExpired, "expiry_date", "date", d.String()))
		}
		return reasons
	}
	return append(reasons, newReason(CodeMRZExpiryDateInvalid, "expiry_date", "date", expiry))
}

// parseName splits the name field (Doc 9303 Part 3 §4.6): primary
// identifier, "<<", secondary identifier, '<' between name parts.
func parseName(m *MRZ, field string, reasons []Reason) []Reason {
	for i := 0; i < len(field); i++ {
		if isDigit(field[i]) {
			reasons = append(reasons, newReason(CodeMRZNameCharacter, "name", "pos", strconv.Itoa(i+1)))
			break
		}
	}
	m.NameTruncated = field[len(field)-1] != '<'
	if m.NameTruncated {
		reasons = append(reasons, newReason(CodeMRZNameTruncated, "name"))
	}
	name := trimFill(field)
	primary, secondary, _ := strings.Cut(name, "<<")
	m.Surname = fillToSpace(primary)
	m.GivenNames = fillToSpace(secondary)
	if m.Surname == "" && m.GivenNames == "" {
		reasons = append(reasons, newReason(CodeMRZNameMissing, "name"))
	}
	return reasons
}

// fillToSpace turns '<' separators into single spaces.
func fillToSpace(s string) string {
	s = strings.Trim(s, "<")
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '<' {
			if b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}
