package screening

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/veriwallet/veriwallet/internal/idrules"
)

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unDOB struct {
	Type string `xml:"TYPE_OF_DATE"`
	Date string `xml:"DATE"`
	Year string `xml:"YEAR"`
	From string `xml:"FROM_YEAR"`
	To   string `xml:"TO_YEAR"`
}

type unRecord struct {
	DataID      string    `xml:"DATAID"`
	First       string    `xml:"FIRST_NAME"`
	Second      string    `xml:"SECOND_NAME"`
	Third       string    `xml:"THIRD_NAME"`
	Fourth      string    `xml:"FOURTH_NAME"`
	Original    string    `xml:"NAME_ORIGINAL_SCRIPT"`
	ListType    string    `xml:"UN_LIST_TYPE"`
	Nationality []string  `xml:"NATIONALITY>VALUE"`
	IAliases    []unAlias `xml:"INDIVIDUAL_ALIAS"`
	EAliases    []unAlias `xml:"ENTITY_ALIAS"`
	DOBs        []unDOB   `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	Docs        []struct {
		Number string `xml:"NUMBER"`
	} `xml:"INDIVIDUAL_DOCUMENT"`
}

// ParseUN reads the UN Security Council consolidated list (XML).
// Errors: *ParseError naming the line and element.
func ParseUN(r io.Reader) ([]*Entity, error) {
	d := xml.NewDecoder(r)
	var out []*Entity
	seen := map[string]bool{}
	root := false
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &ParseError{fmt.Sprintf("line %d", se.Line), se.Msg}
			}
			return nil, &ParseError{fmt.Sprintf("line %d", line), err.Error()}
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch st.Name.Local {
		case "CONSOLIDATED_LIST":
			root = true
		case "INDIVIDUAL", "ENTITY":
			line, _ := d.InputPos()
			where := fmt.Sprintf("line %d <%s>", line, st.Name.Local)
			var rec unRecord
			if err := d.DecodeElement(&rec, &st); err != nil {
				var se *xml.SyntaxError
				if errors.As(err, &se) {
					return nil, &ParseError{fmt.Sprintf("line %d <%s>", se.Line, st.Name.Local), se.Msg}
				}
				return nil, &ParseError{where, err.Error()}
			}
			e, perr := unEntity(rec, st.Name.Local == "INDIVIDUAL", where)
			if perr != nil {
				return nil, perr
			}
			if seen[e.ID] {
				return nil, &ParseError{where, "DATAID " + e.ID + " repeated"}
			}
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	if !root {
		return nil, &ParseError{"line 1", "no <CONSOLIDATED_LIST> element: not a UN consolidated list"}
	}
	return out, nil
}

func unEntity(rec unRecord, person bool, where string) (*Entity, *ParseError) {
	id := strings.TrimSpace(rec.DataID)
	if !isNum(id) {
		return nil, &ParseError{where, "missing or bad <DATAID> " + quote(id)}
	}
	var parts []string
	for _, p := range []string{rec.First, rec.Second, rec.Third, rec.Fourth} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, &ParseError{where, "<FIRST_NAME> is empty (DATAID " + id + ")"}
	}
	e := &Entity{ID: id, List: SourceUN, Category: CategorySanc, Kind: KindEntity, Names: []string{strings.Join(parts, " ")}}
	if person {
		e.Kind = KindPerson
	}
	if t := strings.TrimSpace(rec.ListType); t != "" {
		e.Programs = []string{t}
	}
	for _, a := range append(rec.IAliases, rec.EAliases...) {
		if n := strings.TrimSpace(a.Name); n != "" && !contains(e.Names, n) {
			e.Names = append(e.Names, n)
		}
	}
	if o := strings.TrimSpace(rec.Original); o != "" {
		e.Names = append(e.Names, o)
	}
	for _, d := range rec.DOBs {
		var ds []string
		switch {
		case len(strings.TrimSpace(d.Date)) >= 10:
			ds = []string{strings.TrimSpace(d.Date)[:10]}
		case strings.TrimSpace(d.Year) != "":
			ds = []string{strings.TrimSpace(d.Year)}
		case d.From != "" && d.To != "":
			for y := atoi4(d.From); y <= atoi4(d.To) && y-atoi4(d.From) < 20; y++ {
				ds = append(ds, fmt.Sprintf("%04d", y))
			}
		}
		for _, x := range ds {
			if !contains(e.BirthDates, x) {
				e.BirthDates = append(e.BirthDates, x)
			}
		}
	}
	for _, n := range rec.Nationality {
		n = strings.TrimSpace(n)
		if a, ok := idrules.ParseNationality(n); ok {
			n = a
		}
		if n != "" && !contains(e.Nationalities, n) {
			e.Nationalities = append(e.Nationalities, n)
		}
	}
	for _, d := range rec.Docs {
		for _, x := range normDocs([]string{d.Number}) {
			if !contains(e.Documents, x) {
				e.Documents = append(e.Documents, x)
			}
		}
	}
	return e, nil
}
