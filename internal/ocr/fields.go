package ocr

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Field is one value read from a document.
type Field struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
	// Glyph: the value holds a character the glyph matcher read (see
	// Line.Glyphs): it can confirm what was typed, never contradict it.
	Glyph bool `json:"glyph,omitempty"`
}

// The field names a Reader returns.
const (
	FieldName             = "name"
	FieldSex              = "sex"
	FieldEthnicity        = "ethnicity"
	FieldBirthDate        = "birth_date"
	FieldAddress          = "address"
	FieldIDNumber         = "id_number"
	FieldIssuingAuthority = "issuing_authority"
	FieldValidity         = "validity"
	FieldValidFrom        = "valid_from"
	FieldValidUntil       = "valid_until"
	FieldDocumentNumber   = "document_number"
	FieldSurname          = "surname"
	FieldGivenNames       = "given_names"
	FieldNationality      = "nationality"
)

var (
	reDigits18 = regexp.MustCompile(`[0-9]{17}[0-9X]`)
	reIDRaw    = regexp.MustCompile(`[0-9][0-9OoIlDQ|]{16}[0-9Xx×Ｘ]`)
	reBirthCN  = regexp.MustCompile(`([0-9]{4})\D{0,2}年\D{0,2}([0-9]{1,2})\D{0,2}月\D{0,2}([0-9]{1,2})\D{0,2}日?`)
	reDotDate  = regexp.MustCompile(`([0-9]{4})[.\-/·,]([0-9]{2})[.\-/·,]([0-9]{2})`)
	reValidity = regexp.MustCompile(`([0-9]{4}[.\-/·,][0-9]{2}[.\-/·,][0-9]{2})\s*[-—–~至一_]+\s*([0-9]{4}[.\-/·,][0-9]{2}[.\-/·,][0-9]{2}|长期)(\D|$)`)
)

// normName maps the middle-dot look-alikes an engine may return to U+00B7
// and removes spaces, so a transliterated name compares as printed.
func normName(s string) string {
	s = compact(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '・', '•', '‧', '･', '∙', '⋅', '.', '。', '－', '-', '—':
			return '·'
		}
		return r
	}, s)
}

// normIDNumber keeps digits and X, mapping look-alikes.
func normIDNumber(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= '0' && r <= '9', r == 'X':
			b.WriteRune(r)
		case r == 'O' || r == 'D' || r == 'Q':
			b.WriteRune('0')
		case r == 'I' || r == 'L' || r == '|':
			b.WriteRune('1')
		case r == '×' || r == 'Ｘ':
			b.WriteRune('X')
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		}
	}
	return b.String()
}

// idChecksumOK reports whether an 18-character mainland ID (or HK/Macau/
// Taiwan residence permit, or foreigner permanent residence) number passes
// the GB 11643 MOD 11-2 check.
func idChecksumOK(s string) bool {
	if len(s) != 18 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11] == s[17]
}

// isoDate validates y-m-d and formats it as YYYY-MM-DD.
func isoDate(y, m, d string) (string, bool) {
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	di, err3 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || err3 != nil || yi < 1900 || yi > 2200 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return "", false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// dotDate parses 2015.03.01 (or with - or /) into YYYY-MM-DD.
func dotDate(s string) (string, bool) {
	m := reDotDate.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return isoDate(m[1], m[2], m[3])
}

// fields collects what a parser found.
type fields map[string]Field

func (f fields) set(name, value string, conf float64) {
	if value == "" {
		return
	}
	if old, ok := f[name]; ok && old.Confidence >= conf {
		return
	}
	f[name] = Field{Value: value, Confidence: round2(conf)}
}

func round2(c float64) float64 { return float64(int(c*100+0.5)) / 100 }

// valueConf is the lowest confidence among the row's lines other than a
// line that is only the label (a misread label does not make the value
// doubtful).
func valueConf(r row, labels ...string) float64 {
	c := 1.0
	for _, l := range r {
		t := compact(l.Text)
		if slices.Contains(labels, t) {
			continue
		}
		c = math.Min(c, l.Confidence)
	}
	return c
}

// findRow returns the index of the first row whose compacted text starts
// with (or, failing that, contains) label, and the text after the label.
func findRow(rows []row, labels ...string) (int, string) {
	for _, label := range labels {
		for i, r := range rows {
			t := compact(r.text())
			if strings.HasPrefix(t, label) {
				return i, t[len(label):]
			}
		}
	}
	for _, label := range labels {
		for i, r := range rows {
			t := compact(r.text())
			if k := strings.Index(t, label); k >= 0 {
				return i, t[k+len(label):]
			}
		}
	}
	return -1, ""
}

// findIDNumber returns the best 18-character ID number in the rows: one that
// passes the checksum if any does.
func findIDNumber(rows []row) (string, float64, bool) {
	var fallback string
	var fconf float64
	for i := len(rows) - 1; i >= 0; i-- {
		// Each line on its own first (its own confidence, not the label's),
		// then the row joined (a number split in two).
		type cand struct {
			text string
			conf float64
		}
		var cands []cand
		for _, l := range rows[i] {
			cands = append(cands, cand{l.Text, l.Confidence}, cand{compact(l.Text), l.Confidence})
		}
		cands = append(cands, cand{compact(rows[i].text()), rows[i].conf()})
		for _, c := range cands {
			for _, raw := range reIDRaw.FindAllString(c.text, -1) {
				m := normIDNumber(raw)
				if idChecksumOK(m) {
					return m, c.conf, true
				}
				if fallback == "" {
					fallback, fconf = m, c.conf*0.5
				}
			}
		}
	}
	return fallback, fconf, fallback != ""
}

// parseIDFront reads a mainland ID card front (also the HK/Macau/Taiwan
// residence permit, which shares its layout).
func parseIDFront(rows []row) fields {
	f := fields{}
	if i, rest := findRow(rows, "姓名", "姓 名"); i >= 0 {
		v := rest
		if v == "" && i+1 < len(rows) {
			v = compact(rows[i+1].text())
		}
		conf := valueConf(rows[i], "姓名")
		if rest == "" && i+1 < len(rows) {
			conf = rows[i+1].conf()
		}
		f.set(FieldName, normName(v), conf)
	}
	if i, rest := findRow(rows, "性别"); i >= 0 {
		for _, r := range rest {
			if r == '男' || r == '女' {
				f.set(FieldSex, string(r), valueConf(rows[i], "性别", "民族"))
				break
			}
		}
		if _, eth, ok := strings.Cut(rest, "民族"); ok {
			f.set(FieldEthnicity, eth, valueConf(rows[i], "性别", "民族"))
		} else if _, eth, ok := strings.Cut(rest, "族"); ok {
			f.set(FieldEthnicity, eth, rows[i].conf()*0.8)
		}
	}
	if i, rest := findRow(rows, "出生"); i >= 0 {
		if m := reBirthCN.FindStringSubmatch(rest); m != nil {
			if d, ok := isoDate(m[1], m[2], m[3]); ok {
				f.set(FieldBirthDate, d, valueConf(rows[i], "出生"))
			}
		}
	}
	addrStart, rest := findRow(rows, "住址")
	idRow, _ := findRow(rows, "公民身份号码", "身份号码", "号码")
	if addrStart >= 0 {
		var sb strings.Builder
		sb.WriteString(rest)
		conf := valueConf(rows[addrStart], "住址")
		for j := addrStart + 1; j < len(rows) && j != idRow && j-addrStart <= 4; j++ {
			t := compact(rows[j].text())
			if reDigits18.MatchString(normIDNumber(t)) && len(normIDNumber(t)) >= 18 && len([]rune(t)) <= 20 {
				break
			}
			sb.WriteString(t)
			if c := rows[j].conf(); c < conf {
				conf = c
			}
		}
		f.set(FieldAddress, sb.String(), conf)
	}
	if n, conf, ok := findIDNumber(rows); ok {
		f.set(FieldIDNumber, n, conf)
	}
	return f
}

// parseIDBack reads a mainland ID card back: issuing authority and validity.
func parseIDBack(rows []row) fields {
	f := fields{}
	if i, rest := findRow(rows, "签发机关", "机关"); i >= 0 && rest != "" {
		f.set(FieldIssuingAuthority, rest, valueConf(rows[i], "签发机关"))
	}
	parseValidity(rows, f)
	return f
}

// parseValidity finds a "from-until" validity period in any row.
func parseValidity(rows []row, f fields) {
	for _, r := range rows {
		t := compact(r.text())
		m := reValidity.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		from, ok := dotDate(m[1])
		if !ok {
			continue
		}
		until := m[2]
		if until != "长期" {
			if until, ok = dotDate(m[2]); !ok {
				continue
			}
		}
		f.set(FieldValidFrom, from, r.conf())
		f.set(FieldValidUntil, until, r.conf())
		f.set(FieldValidity, from+"/"+until, r.conf())
		return
	}
}

// valueBelow returns the row under the row that holds label, for layouts
// that print the value beneath its label, and the row's index.
func valueBelow(rows []row, label string) (placed, bool) {
	for i, r := range rows {
		for _, l := range r {
			if !strings.Contains(compact(l.Text), label) {
				continue
			}
			for j := i + 1; j < len(rows) && j <= i+2; j++ {
				for _, v := range rows[j] {
					if v.v-l.v < 3*l.h && v.u0 < l.u0+2*l.h && v.u1 > l.u0 {
						return v, true
					}
				}
			}
		}
	}
	return placed{}, false
}

// parsePermit reads a residence permit: the HK/Macau/Taiwan residence
// permit (the ID card front's layout) or the foreigner's permanent residence
// card (labels above values).
func parsePermit(rows []row) fields {
	i, _ := findRow(rows, "中文姓名", "永久居留")
	if i < 0 {
		return parseIDFront(rows)
	}
	f := fields{}
	if v, ok := valueBelow(rows, "中文姓名"); ok {
		f.set(FieldName, normName(v.Text), v.Confidence)
	}
	// The Latin name ("SURNAME, GIVEN NAMES") under "姓名/Name"; it is the
	// name when the card has no Chinese one.
	if v, ok := valueBelow(rows, "/Name"); ok {
		t := strings.ToUpper(strings.TrimSpace(v.Text))
		if reLatinName.MatchString(t) {
			sur, given, _ := strings.Cut(t, ",")
			f.set(FieldSurname, strings.Join(strings.Fields(sur), " "), v.Confidence)
			f.set(FieldGivenNames, strings.Join(strings.Fields(given), " "), v.Confidence)
			if _, ok := f[FieldName]; !ok {
				f.set(FieldName, strings.Join(strings.Fields(sur), " ")+" "+strings.Join(strings.Fields(given), " "), v.Confidence)
			}
		}
	}
	if v, ok := valueBelow(rows, "性别"); ok {
		for _, r := range v.Text {
			if r == '男' || r == '女' {
				f.set(FieldSex, string(r), v.Confidence)
				break
			}
		}
	}
	if v, ok := valueBelow(rows, "出生日期"); ok {
		if d, ok := dotDate(compact(v.Text)); ok {
			f.set(FieldBirthDate, d, v.Confidence)
		}
	}
	if v, ok := valueBelow(rows, "国籍"); ok {
		f.set(FieldNationality, compact(v.Text), v.Confidence)
	}
	parseValidity(rows, f)
	if n, conf, ok := findIDNumber(rows); ok {
		f.set(FieldIDNumber, n, conf)
	}
	return f
}

var monthsEN = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// parsePassportPage reads the printed fields of a passport photo page (the
// Chinese name; the rest comes from the MRZ).
func parsePassportPage(rows []row) fields {
	f := fields{}
	if v, ok := valueBelow(rows, "姓名"); ok {
		f.set(FieldName, normName(v.Text), v.Confidence)
		// The Latin name is printed under the Chinese one.
		for i, r := range rows {
			if len(r) > 0 && r[0].Text == v.Text && i+1 < len(rows) {
				t := strings.ToUpper(rows[i+1].text())
				if reLatinName.MatchString(t) {
					f.set(fieldLatinName, t, rows[i+1].conf())
				}
			}
		}
	}
	return f
}

// fieldLatinName carries the printed Latin name from the page parser to
// the MRZ reader.
const fieldLatinName = "_latin_name"

var reLatinName = regexp.MustCompile(`^[A-Z]+( ?[A-Z]+)* ?, ?[A-Z]+( ?[A-Z]+)*$`)

// applyMRZ fills passport fields from a valid MRZ; nameConf is the
// confidence of line 1, which has no check digit.
func applyMRZ(f fields, m *MRZ, conf, nameConf float64) {
	f.set(FieldDocumentNumber, m.DocumentNumber, conf)
	f.set(FieldSurname, m.Surname, nameConf)
	f.set(FieldGivenNames, m.GivenNames, nameConf)
	f.set(FieldNationality, m.Nationality, conf)
	f.set(FieldBirthDate, m.BirthDate, conf)
	f.set(FieldValidUntil, m.ExpiryDate, conf)
	switch m.Sex {
	case "M":
		f.set(FieldSex, "男", conf)
	case "F":
		f.set(FieldSex, "女", conf)
	}
}

// describe is a debugging aid: the rows as text.
func describe(rows []row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%.2f %s\n", r.conf(), r.text())
	}
	return b.String()
}
