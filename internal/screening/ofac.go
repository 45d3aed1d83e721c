package screening

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// ParseError is a list file refused whole: Where names the file and line
// (or XML element) that broke it.
type ParseError struct {
	Where string
	Msg   string
}

// Error implements error.
func (e *ParseError) Error() string { return e.Where + ": " + e.Msg }

// asErr turns a ParseError into the API's error.
func asErr(e *ParseError) error {
	return errs.New(errs.Invalid, "SCREENING_LIST_MALFORMED", "The list file is malformed at "+e.Where+": "+e.Msg+"; nothing was imported.",
		"名单文件格式错误（"+e.Where+"）："+e.Msg+"；未导入任何内容。")
}

// ParseOFAC reads the OFAC SDN legacy CSV set from fsys: sdn.csv (required),
// add.csv, alt.csv and sdn_comments.csv (optional). Remarks give birth
// dates, nationalities, document numbers and further aliases.
// Errors: *ParseError naming the file and line.
func ParseOFAC(fsys fs.FS) ([]*Entity, error) {
	byID := map[string]*Entity{}
	var order []*Entity
	remarks := map[string]string{}
	err := readCSV(fsys, "sdn.csv", 12, true, func(line int, r []string) error {
		id := r[0]
		if !isNum(id) {
			return &ParseError{fmt.Sprintf("sdn.csv line %d", line), "entity number " + quote(id) + " is not a number"}
		}
		if byID[id] != nil {
			return &ParseError{fmt.Sprintf("sdn.csv line %d", line), "entity number " + id + " repeated"}
		}
		if r[1] == "" {
			return &ParseError{fmt.Sprintf("sdn.csv line %d", line), "the name is empty"}
		}
		e := &Entity{ID: id, List: SourceOFAC, Category: CategorySanc, Kind: KindEntity, Names: []string{r[1]}}
		switch strings.ToLower(r[2]) {
		case "individual":
			e.Kind = KindPerson
		case "vessel":
			e.Kind = KindVessel
		case "aircraft":
			e.Kind = KindAircraft
		}
		if r[3] != "" {
			e.Programs = splitTrim(strings.Trim(r[3], "[]"), "] [")
		}
		remarks[id] = r[11]
		byID[id] = e
		order = append(order, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(fsys, "alt.csv", 5, false, func(line int, r []string) error {
		e := byID[r[0]]
		if e == nil {
			return &ParseError{fmt.Sprintf("alt.csv line %d", line), "entity number " + quote(r[0]) + " is not in sdn.csv"}
		}
		if r[3] != "" {
			e.Names = append(e.Names, r[3])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(fsys, "add.csv", 6, false, func(line int, r []string) error {
		if byID[r[0]] == nil {
			return &ParseError{fmt.Sprintf("add.csv line %d", line), "entity number " + quote(r[0]) + " is not in sdn.csv"}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(fsys, "sdn_comments.csv", 2, false, func(line int, r []string) error {
		if byID[r[0]] == nil {
			return &ParseError{fmt.Sprintf("sdn_comments.csv line %d", line), "entity number " + quote(r[0]) + " is not in sdn.csv"}
		}
		remarks[r[0]] += r[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range order {
		parseRemarks(e, remarks[e.ID])
	}
	return order, nil
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return fmt.Sprintf("%q", s)
}

func isNum(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func splitTrim(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readCSV reads one CSV file of the OFAC set ("-0-" empty, no header),
// each record with at least n fields.
func readCSV(fsys fs.FS, name string, n int, required bool, fn func(line int, rec []string) error) error {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return &ParseError{name, "cannot open: " + err.Error()}
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &ParseError{fmt.Sprintf("%s line %d", name, pe.Line), pe.Err.Error()}
			}
			return &ParseError{name, err.Error()}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" || len(rec) == 1 && rec[0] == "\x1a" {
			continue // blank line, or the DOS end-of-file marker the files carry
		}
		if len(rec) < n {
			return &ParseError{fmt.Sprintf("%s line %d", name, line), fmt.Sprintf("%d fields, want %d", len(rec), n)}
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] == "-0-" {
				rec[i] = ""
			}
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

var (
	reDOB  = regexp.MustCompile(`(?i)\bDOB\s+(?:circa\s+|c\.\s*)?((?:\d{1,2}\s+)?(?:[A-Za-z]{3}\s+)?\d{4})(?:\s+to\s+((?:\d{1,2}\s+)?(?:[A-Za-z]{3}\s+)?\d{4}))?`)
	reNat  = regexp.MustCompile(`(?i)\b(?:nationality|citizen)\s+([A-Za-z ,.'-]+?)(?:;|\.$|$)`)
	reDoc  = regexp.MustCompile(`(?i)\b(?:Passport|National ID No\.|Identification Number|Cedula No\.|NIT #|Tax ID No\.|D\.N\.I\.|SSN|Registration ID|Residency Number|Personal ID Card|Driver's License No\.|C\.U\.I\.T\.|C\.U\.R\.P\.|R\.F\.C\.)\s*:?\s*([A-Z0-9][A-Z0-9 ./-]{3,30}?)(?:\s*\(|;|$)`)
	reAKA  = regexp.MustCompile(`(?i)\b[afn]\.k\.a\.,?\s+'([^']+(?:'[^';][^']*)*)'`)
	months = map[string]string{"jan": "01", "feb": "02", "mar": "03", "apr": "04", "may": "05", "jun": "06",
		"jul": "07", "aug": "08", "sep": "09", "oct": "10", "nov": "11", "dec": "12"}
)

// parseRemarks fills birth dates, nationalities, documents and aliases from
// OFAC remarks ("DOB 01 Jan 1960; nationality Iran; Passport A123 (Iran)").
func parseRemarks(e *Entity, s string) {
	if s == "" {
		return
	}
	for _, m := range reDOB.FindAllStringSubmatch(s, -1) {
		if d := ofacDate(m[1]); d != "" && !contains(e.BirthDates, d) {
			e.BirthDates = append(e.BirthDates, d)
		}
		if m[2] != "" { // a range: every year in it
			a, b := ofacDate(m[1]), ofacDate(m[2])
			if len(a) >= 4 && len(b) >= 4 {
				for y := atoi4(a) + 1; y <= atoi4(b) && y-atoi4(a) < 20; y++ {
					if d := fmt.Sprintf("%04d", y); !contains(e.BirthDates, d) {
						e.BirthDates = append(e.BirthDates, d)
					}
				}
			}
		}
	}
	for _, m := range reNat.FindAllStringSubmatch(s, -1) {
		n := strings.TrimSpace(m[1])
		if a, ok := idrules.ParseNationality(n); ok {
			n = a
		}
		if n != "" && !contains(e.Nationalities, n) {
			e.Nationalities = append(e.Nationalities, n)
		}
	}
	for _, m := range reDoc.FindAllStringSubmatch(s, -1) {
		for _, d := range normDocs([]string{m[1]}) {
			if !contains(e.Documents, d) {
				e.Documents = append(e.Documents, d)
			}
		}
	}
	for _, m := range reAKA.FindAllStringSubmatch(s, -1) {
		if n := strings.TrimSpace(m[1]); n != "" && !contains(e.Names, n) {
			e.Names = append(e.Names, n)
		}
	}
}

func atoi4(s string) int {
	n := 0
	for i := 0; i < 4 && i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ofacDate turns "01 Jan 1960", "Jan 1960" or "1960" into ISO form.
func ofacDate(s string) string {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		return f[0]
	case 2:
		if m, ok := months[strings.ToLower(f[0])]; ok {
			return f[1] + "-" + m
		}
		return f[1]
	case 3:
		if m, ok := months[strings.ToLower(f[1])]; ok {
			if t, err := time.Parse("2006-01-02", f[2]+"-"+m+"-"+pad2(f[0])); err == nil {
				return t.Format("2006-01-02")
			}
		}
		return f[2]
	}
	return ""
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
