package ocr

import (
	"slices"
	"strings"
	"time"
)

// MRZ is a parsed ICAO 9303 TD3 machine-readable zone (passport photo page).
// Dates are YYYY-MM-DD. Checks holds each check digit's result; Valid is true
// only when every one passes.
type MRZ struct {
	Format         string          `json:"format"`
	Lines          []string        `json:"lines"`
	DocumentType   string          `json:"document_type"`
	IssuingState   string          `json:"issuing_state"`
	Surname        string          `json:"surname"`
	GivenNames     string          `json:"given_names"`
	DocumentNumber string          `json:"document_number"`
	Nationality    string          `json:"nationality"`
	BirthDate      string          `json:"birth_date"`
	Sex            string          `json:"sex"`
	ExpiryDate     string          `json:"expiry_date"`
	PersonalNumber string          `json:"personal_number"`
	Checks         map[string]bool `json:"checks"`
	Valid          bool            `json:"valid"`
}

// mrzCheck is the ICAO 9303 check digit of s (weights 7, 3, 1; '<' is 0).
// It returns -1 when s holds a character outside 0-9, A-Z and '<'.
func mrzCheck(s string) int {
	w := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return -1
		}
		sum += v * w[i%3]
	}
	return sum % 10
}

// checkOK reports whether digit is the check digit of field. An all-filler
// optional field may carry '<' as its check digit.
func checkOK(field string, digit byte) bool {
	if digit == '<' {
		return strings.Trim(field, "<") == ""
	}
	if digit < '0' || digit > '9' {
		return false
	}
	return mrzCheck(field) == int(digit-'0')
}

// MRZCharset is the alphabet of a machine-readable zone.
const MRZCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

// ParseTD3 parses the two 44-character lines of a passport MRZ. It never
// fails: a malformed zone comes back with Valid false. now decides the
// century of the birth date.
func ParseTD3(l1, l2 string, now time.Time) *MRZ {
	m := &MRZ{Format: "TD3", Lines: []string{l1, l2}, Checks: map[string]bool{}}
	if len(l1) != 44 || len(l2) != 44 {
		return m
	}
	m.DocumentType = strings.TrimRight(l1[0:2], "<")
	m.IssuingState = strings.Trim(l1[2:5], "<")
	name := l1[5:]
	sur, given, _ := strings.Cut(name, "<<")
	// Given names are separated by single fillers; a double filler ends them
	// (anything after it is a misread filler).
	given, _, _ = strings.Cut(given, "<<")
	m.Surname = strings.TrimSpace(strings.ReplaceAll(sur, "<", " "))
	m.GivenNames = strings.TrimSpace(strings.Join(strings.Fields(strings.ReplaceAll(given, "<", " ")), " "))
	m.DocumentNumber = strings.TrimRight(l2[0:9], "<")
	m.Nationality = strings.Trim(l2[10:13], "<")
	m.Sex = strings.Trim(l2[20:21], "<")
	m.PersonalNumber = strings.TrimRight(l2[28:42], "<")
	m.Checks["document_number"] = checkOK(l2[0:9], l2[9])
	m.Checks["birth_date"] = checkOK(l2[13:19], l2[19])
	m.Checks["expiry_date"] = checkOK(l2[21:27], l2[27])
	m.Checks["personal_number"] = checkOK(l2[28:42], l2[42])
	m.Checks["composite"] = checkOK(l2[0:10]+l2[13:20]+l2[21:43], l2[43])
	bd, okB := mrzDate(l2[13:19], now, true)
	ed, okE := mrzDate(l2[21:27], now, false)
	m.BirthDate, m.ExpiryDate = bd, ed
	m.Valid = okB && okE && m.DocumentType != "" && m.DocumentType[0] == 'P'
	for _, ok := range m.Checks {
		m.Valid = m.Valid && ok
	}
	return m
}

// mrzDate turns YYMMDD into YYYY-MM-DD: birth dates are never in the future,
// expiry dates are this century.
func mrzDate(s string, now time.Time, birth bool) (string, bool) {
	t, err := time.Parse("060102", s)
	if err != nil {
		return "", false
	}
	y := 2000 + t.Year()%100
	if birth && y > now.Year() {
		y -= 100
	}
	return time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Format("2006-01-02"), true
}

var (
	lookAlike = map[byte]byte{'0': 'O', 'O': '0', '1': 'I', 'I': '1', '8': 'B', 'B': '8', '5': 'S', 'S': '5', '2': 'Z', 'Z': '2'}
	toDigit   = map[byte]byte{'O': '0', 'Q': '0', 'D': '0', 'U': '0', 'I': '1', 'L': '1', 'T': '7', 'Z': '2', 'S': '5', 'B': '8', 'G': '6', 'A': '4'}
	toLetter  = map[byte]byte{'0': 'O', '1': 'I', '2': 'Z', '4': 'A', '5': 'S', '6': 'G', '8': 'B', '7': 'T'}
)

// cleanMRZ upper-cases s, maps look-alike characters into the MRZ alphabet
// and drops everything else.
func cleanMRZ(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '<':
			b.WriteRune(r)
		case r == '«' || r == '‹' || r == '＜' || r == '〈' || r == '(' || r == '{' || r == '[':
			b.WriteRune('<')
		}
	}
	return b.String()
}

// fitLength makes s exactly 44 characters by growing or shrinking its
// longest run of fillers (where a split or merged read loses or adds them),
// or padding the end.
func fitLength(s string) string {
	const n = 44
	if len(s) == n {
		return s
	}
	best, bestLen := -1, 0
	for i := 0; i < len(s); {
		if s[i] != '<' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '<' {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	if len(s) < n {
		if best < 0 {
			return s + strings.Repeat("<", n-len(s))
		}
		return s[:best] + strings.Repeat("<", n-len(s)) + s[best:]
	}
	if extra := len(s) - n; best >= 0 && bestLen > extra {
		return s[:best] + s[best+extra:]
	}
	return s[:n]
}

// fixLine2 applies the TD3 line-2 character classes (digits where digits
// must be, letters where letters must be).
func fixLine2(s string) string {
	b := []byte(s)
	for i := range b {
		switch {
		case i == 9 || (i >= 13 && i <= 19) || (i >= 21 && i <= 27) || i == 43:
			if d, ok := toDigit[b[i]]; ok {
				b[i] = d
			}
		case i >= 10 && i <= 12:
			if l, ok := toLetter[b[i]]; ok {
				b[i] = l
			}
		case i == 20:
			if b[i] != 'M' && b[i] != 'F' {
				if b[i] == 'H' || b[i] == 'N' {
					b[i] = 'M'
				} else if b[i] == 'E' || b[i] == 'P' {
					b[i] = 'F'
				}
			}
		}
	}
	return string(b)
}

// fixLine1 applies the TD3 line-1 classes: letters and fillers only after
// the document code.
func fixLine1(s string) string {
	b := []byte(s)
	for i := 2; i < len(b); i++ {
		if l, ok := toLetter[b[i]]; ok {
			b[i] = l
		}
	}
	if len(b) > 0 && b[0] != 'P' && (b[0] == 'R' || b[0] == 'F' || b[0] == 'B') {
		b[0] = 'P'
	}
	// After SURNAME<<GIVEN<NAMES only fillers follow: a letter after the
	// second double filler is a misread filler.
	if len(b) > 5 {
		name := string(b[5:])
		if i := strings.Index(name, "<<"); i >= 0 {
			if j := strings.Index(name[i+2:], "<<"); j >= 0 {
				for k := 5 + i + 2 + j; k < len(b); k++ {
					b[k] = '<'
				}
			}
		}
	}
	return string(b)
}

// repairTD3 turns two raw OCR readings into the best-guess MRZ.
func repairTD3(raw1, raw2 string, now time.Time) *MRZ {
	l1 := fixLine1(fitLength(cleanMRZ(raw1)))
	l2 := fixLine2(fitLength(cleanMRZ(raw2)))
	return ParseTD3(l1, l2, now)
}

// line2Checks reports whether every check digit of a 44-character TD3
// line 2 passes.
func line2Checks(l2 string) bool {
	return len(l2) == 44 && checkOK(l2[0:9], l2[9]) && checkOK(l2[13:19], l2[19]) &&
		checkOK(l2[21:27], l2[27]) && checkOK(l2[28:42], l2[42]) &&
		checkOK(l2[0:10]+l2[13:20]+l2[21:43], l2[43])
}

// repairLine2 turns a raw reading of TD3 line 2 into a line whose check
// digits all pass, if one can be had by the usual repairs: look-alike
// characters by position, a filler run grown or shrunk, or (when the reading
// is one character short or long) one character inserted or deleted. An
// edit is accepted only when exactly one distinct line results (after
// preferring lines whose nationality is one of states, the issuing states
// read from line 1), so a reading is never forced into validity by guessing
// between candidates.
func repairLine2(raw string, states []string) (string, bool) {
	c := cleanMRZ(raw)
	if l := fixLine2(fitLength(c)); line2Checks(l) {
		return l, true
	}
	found := map[string]bool{}
	// The document number (positions 0-8) may hold letters and digits, so
	// look-alikes there cannot be fixed by position: try each single swap.
	if l := fixLine2(fitLength(c)); len(l) == 44 {
		for i := 0; i < 9; i++ {
			if alt, ok := lookAlike[l[i]]; ok {
				if v := l[:i] + string(alt) + l[i+1:]; line2Checks(v) {
					found[v] = true
				}
			}
		}
	}
	switch len(c) {
	case 43:
		for i := 0; i <= len(c); i++ {
			for _, ch := range "0123456789<" {
				if l := fixLine2(c[:i] + string(ch) + c[i:]); line2Checks(l) {
					found[l] = true
				}
			}
		}
	case 45:
		for i := 0; i < len(c); i++ {
			if l := fixLine2(c[:i] + c[i+1:]); line2Checks(l) {
				found[l] = true
			}
		}
	}
	if len(found) > 1 && len(states) > 0 {
		for l := range found {
			if !slices.Contains(states, l[10:13]) {
				delete(found, l)
			}
		}
	}
	if len(found) == 1 {
		for l := range found {
			return l, true
		}
	}
	return "", false
}

// issuingState returns the three-letter state code of a line-1 reading
// ("" when it does not look like one).
func issuingState(raw string) string {
	c := fixLine1(cleanMRZ(raw))
	if len(c) < 5 || c[0] != 'P' {
		return ""
	}
	for i := 2; i < 5; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return ""
		}
	}
	return c[2:5]
}
