package screening

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// senzingRecord is one record of the Senzing entity format (as exported by
// OpenSanctions): attributes come in lists of objects.
type senzingRecord struct {
	DataSource  string              `json:"DATA_SOURCE"`
	RecordID    string              `json:"RECORD_ID"`
	RecordType  string              `json:"RECORD_TYPE"`
	Names       []map[string]string `json:"NAMES"`
	Dates       []map[string]string `json:"DATES"`
	Countries   []map[string]string `json:"COUNTRIES"`
	Nationality []map[string]string `json:"NATIONALITIES"`
	Identifiers []map[string]string `json:"IDENTIFIERS"`
	Risks       []map[string]string `json:"RISKS"`
	Topics      []string            `json:"TOPICS"`
}

// ParseSenzing reads OpenSanctions/Senzing JSON: one record per line (or a
// JSON array of records). A record is a PEP when a risk topic or the data
// source names one (role.pep, PEP), else sanctions.
// Errors: *ParseError naming the line (or array element).
func ParseSenzing(r io.Reader) ([]*Entity, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	first, _ := br.Peek(64)
	var recs []senzingRecord
	var wheres []string
	if t := bytes.TrimLeft(first, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '[' {
		dec := json.NewDecoder(br)
		if _, err := dec.Token(); err != nil {
			return nil, &ParseError{"element 0", err.Error()}
		}
		for i := 1; dec.More(); i++ {
			var rec senzingRecord
			if err := dec.Decode(&rec); err != nil {
				return nil, &ParseError{fmt.Sprintf("array element %d", i), err.Error()}
			}
			recs, wheres = append(recs, rec), append(wheres, fmt.Sprintf("array element %d", i))
		}
	} else {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for line := 1; sc.Scan(); line++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var rec senzingRecord
			if err := json.Unmarshal(b, &rec); err != nil {
				return nil, &ParseError{fmt.Sprintf("line %d", line), err.Error()}
			}
			recs, wheres = append(recs, rec), append(wheres, fmt.Sprintf("line %d", line))
		}
		if err := sc.Err(); err != nil {
			return nil, &ParseError{"file", err.Error()}
		}
	}
	var out []*Entity
	seen := map[string]bool{}
	for i, rec := range recs {
		e, err := senzingEntity(rec, wheres[i])
		if err != nil {
			return nil, err
		}
		if seen[e.ID] {
			return nil, &ParseError{wheres[i], "RECORD_ID " + quote(e.ID) + " repeated"}
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	return out, nil
}

func senzingEntity(rec senzingRecord, where string) (*Entity, *ParseError) {
	if strings.TrimSpace(rec.RecordID) == "" {
		return nil, &ParseError{where, "RECORD_ID is missing"}
	}
	e := &Entity{ID: strings.TrimSpace(rec.RecordID), List: SourceSenzing, Category: CategorySanc, Kind: KindUnknown}
	switch strings.ToUpper(rec.RecordType) {
	case "PERSON":
		e.Kind = KindPerson
	case "ORGANIZATION", "COMPANY":
		e.Kind = KindEntity
	case "VESSEL":
		e.Kind = KindVessel
	case "AIRCRAFT":
		e.Kind = KindAircraft
	}
	pep := strings.Contains(strings.ToLower(rec.DataSource), "pep")
	for _, r := range rec.Risks {
		if t := strings.ToLower(r["TOPIC"]); strings.Contains(t, "pep") {
			pep = true
		}
	}
	for _, t := range rec.Topics {
		pep = pep || strings.Contains(strings.ToLower(t), "pep")
	}
	if pep {
		e.Category = CategoryPEP
	}
	if rec.DataSource != "" {
		e.Programs = []string{rec.DataSource}
	}
	for _, n := range rec.Names {
		name := strings.TrimSpace(n["NAME_FULL"])
		if name == "" {
			name = strings.TrimSpace(n["NAME_ORG"])
		}
		if name == "" {
			name = strings.TrimSpace(strings.Join(strings.Fields(n["NAME_FIRST"]+" "+n["NAME_MIDDLE"]+" "+n["NAME_LAST"]), " "))
		}
		if name == "" || contains(e.Names, name) {
			continue
		}
		if strings.EqualFold(n["NAME_TYPE"], "PRIMARY") {
			e.Names = append([]string{name}, e.Names...)
		} else {
			e.Names = append(e.Names, name)
		}
	}
	if len(e.Names) == 0 {
		return nil, &ParseError{where, "record " + quote(e.ID) + " has no name (NAMES)"}
	}
	for _, d := range rec.Dates {
		if v := strings.TrimSpace(d["DATE_OF_BIRTH"]); len(v) >= 4 && !contains(e.BirthDates, v) {
			e.BirthDates = append(e.BirthDates, v)
		}
	}
	for _, c := range append(rec.Countries, rec.Nationality...) {
		for _, k := range []string{"NATIONALITY", "CITIZENSHIP"} {
			if v := strings.TrimSpace(c[k]); v != "" {
				if a, ok := idrules.ParseNationality(v); ok {
					v = a
				}
				if !contains(e.Nationalities, v) {
					e.Nationalities = append(e.Nationalities, v)
				}
			}
		}
	}
	for _, id := range rec.Identifiers {
		for k, v := range id {
			if strings.HasSuffix(k, "_NUMBER") || k == "NATIONAL_ID" {
				for _, x := range normDocs([]string{v}) {
					if !contains(e.Documents, x) {
						e.Documents = append(e.Documents, x)
					}
				}
			}
		}
	}
	return e, nil
}

// ParseCSV reads the operator's own list: a header row naming at least
// "name"; optional columns id, aliases (separated by ;), kind (person,
// entity), category (sanctions, pep), birth_date, nationality, documents
// (separated by ;). Errors: *ParseError naming the line.
func ParseCSV(r io.Reader) ([]*Entity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, &ParseError{"line 1", "no header row: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, &ParseError{"line 1", `the header has no "name" column`}
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []*Entity
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ParseError{fmt.Sprintf("line %d", pe.Line), pe.Err.Error()}
			}
			return nil, &ParseError{fmt.Sprintf("line %d", line), err.Error()}
		}
		where := fmt.Sprintf("line %d", line)
		name := get(rec, "name")
		if name == "" {
			return nil, &ParseError{where, "the name is empty"}
		}
		id := get(rec, "id")
		if id == "" {
			id = fmt.Sprint(line)
		}
		if seen[id] {
			return nil, &ParseError{where, "id " + quote(id) + " repeated"}
		}
		seen[id] = true
		e := &Entity{ID: id, List: SourceCSV, Category: CategorySanc, Kind: KindUnknown, Names: []string{name}}
		switch k := strings.ToLower(get(rec, "kind")); k {
		case "", "unknown":
		case KindPerson, "individual":
			e.Kind = KindPerson
		case KindEntity, "organization", "company":
			e.Kind = KindEntity
		default:
			return nil, &ParseError{where, "unknown kind " + quote(k)}
		}
		switch c := strings.ToLower(get(rec, "category")); c {
		case "", CategorySanc:
		case CategoryPEP:
			e.Category = CategoryPEP
		default:
			return nil, &ParseError{where, "unknown category " + quote(c)}
		}
		e.Names = append(e.Names, splitTrim(get(rec, "aliases"), ";")...)
		if d := get(rec, "birth_date"); d != "" {
			if _, ok := idrules.ParseDate(d); !ok && !(len(d) == 4 && isNum(d)) {
				return nil, &ParseError{where, "birth_date " + quote(d) + " is not YYYY-MM-DD or YYYY"}
			}
			e.BirthDates = []string{d}
		}
		if n := get(rec, "nationality"); n != "" {
			if a, ok := idrules.ParseNationality(n); ok {
				n = a
			}
			e.Nationalities = []string{n}
		}
		e.Documents = normDocs(splitTrim(get(rec, "documents"), ";"))
		out = append(out, e)
	}
	return out, nil
}

// Parsed is a list file read whole.
type Parsed struct {
	Source   string
	FileHash string // SHA-256 of the file(s)
	Entities []*Entity
}

// ParseFile reads a list file of the given source: for ofac_csv a
// directory holding sdn.csv and its companions, or sdn.csv itself.
// Errors: Invalid SCREENING_SOURCE_UNKNOWN, SCREENING_LIST_MALFORMED
// (naming where), SCREENING_LIST_UNREADABLE.
func ParseFile(source, path string) (*Parsed, error) {
	return ParseFileProgress(source, path, nil)
}

// countingReader reports bytes read to a progress function.
type countingReader struct {
	r        io.Reader
	done     *int64
	total    int64
	progress func(done, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.done += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(*c.done, c.total)
	}
	return n, err
}

type countingFS struct {
	fsys     fs.FS
	done     *int64
	total    int64
	progress func(done, total int64)
}

type countingFile struct {
	fs.File
	r *countingReader
}

func (f countingFile) Read(p []byte) (int, error) { return f.r.Read(p) }

func (c countingFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return countingFile{f, &countingReader{r: f, done: c.done, total: c.total, progress: c.progress}}, nil
}

// ParseFileProgress is ParseFile reporting the bytes read so far and the
// total to progress (which may be nil).
func ParseFileProgress(source, path string, progress func(done, total int64)) (*Parsed, error) {
	h := sha256.New()
	var done int64
	var ents []*Entity
	var perr error
	switch source {
	case SourceOFAC:
		dir := path
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			dir = filepath.Dir(path)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, unreadable(err)
		}
		defer root.Close()
		var total int64
		for _, n := range []string{"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"} {
			if b, err := fs.ReadFile(root.FS(), n); err == nil {
				h.Write([]byte(n))
				h.Write(b)
				total += int64(len(b))
			}
		}
		ents, perr = ParseOFAC(countingFS{root.FS(), &done, total, progress})
	case SourceUN, SourceSenzing, SourceCSV:
		f, err := os.Open(path)
		if err != nil {
			return nil, unreadable(err)
		}
		defer f.Close()
		var total int64
		if st, err := f.Stat(); err == nil {
			total = st.Size()
		}
		r := io.TeeReader(&countingReader{r: f, done: &done, total: total, progress: progress}, h)
		switch source {
		case SourceUN:
			ents, perr = ParseUN(r)
		case SourceSenzing:
			ents, perr = ParseSenzing(r)
		default:
			ents, perr = ParseCSV(r)
		}
		_, _ = io.Copy(h, f)
	default:
		return nil, errs.New(errs.Invalid, "SCREENING_SOURCE_UNKNOWN", "Unknown list source; use ofac_csv, un_xml, senzing_json or csv.",
			"未知的名单来源；请使用 ofac_csv、un_xml、senzing_json 或 csv。")
	}
	if perr != nil {
		var pe *ParseError
		if errors.As(perr, &pe) {
			return nil, asErr(pe)
		}
		return nil, perr
	}
	if len(ents) == 0 {
		return nil, asErr(&ParseError{"file", "no entities"})
	}
	return &Parsed{Source: source, FileHash: hex.EncodeToString(h.Sum(nil)), Entities: ents}, nil
}

func unreadable(err error) error {
	return errs.New(errs.Invalid, "SCREENING_LIST_UNREADABLE", "The list file cannot be read: "+err.Error(), "无法读取名单文件："+err.Error())
}
