package screening

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestTokens(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"WONG, Moon Chi", "wong moon chi"},
		{"Müller-Lüdenscheidt, José", "muller ludenscheidt jose"},
		{"ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean"},
		{"O'Brien, Seán", "obrien sean"},
		{"BANCO NACIONAL DE CUBA", "banco nacional cuba"},
		{"Ltd.", "ltd"}, // nothing but a suffix: kept
	} {
		if got := strings.Join(tokens(c.in), " "); got != c.want {
			t.Errorf("tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHanReadings(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // one of the readings
	}{
		{"王小红", "wang xiaohong"},
		{"单田芳", "shan tianfang"},
		{"曾国藩", "zeng guofan"},
		{"解缙", "xie jin"},
		{"区志明", "ou zhiming"},
		{"欧阳修", "ouyang xiu"},
	} {
		var got []string
		for _, r := range hanReadings(c.in, 4) {
			got = append(got, strings.Join(r, " "))
		}
		if !slices.Contains(got, c.want) {
			t.Errorf("hanReadings(%q) = %q, want %q among them", c.in, got, c.want)
		}
	}
}

func TestTokenSim(t *testing.T) {
	for _, c := range []struct {
		a, b string
		min  float64
		max  float64
		how  string
	}{
		{"zhang", "zhang", 1, 1, "exact"},
		{"zhang", "chang", 0.9, 0.96, "romanisation"},
		{"zhang", "cheung", 0.9, 0.96, "romanisation"},
		{"chen", "chan", 0.9, 0.96, "romanisation"},
		{"xiaohong", "hsiaohung", 0.9, 0.96, "romanisation"},
		{"soleimani", "soleimini", 0.93, 0.99, "fuzzy"},
		{"mohammed", "muhammad", 0.8, 0.95, ""},
		{"wei", "wen", 0, 0.8, ""},
		{"smith", "jones", 0, 0, "none"},
	} {
		s, how := tokenSim(c.a, c.b)
		if s < c.min || s > c.max || c.how != "" && how != c.how {
			t.Errorf("tokenSim(%q, %q) = %.3f %s, want [%.2f, %.2f] %s", c.a, c.b, s, how, c.min, c.max, c.how)
		}
	}
}

func TestSearchSmall(t *testing.T) {
	f, err := os.Open("testdata/blocklist.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	csvEnts, err := ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/pep.senzing.jsonl")
	pep, err := ParseSenzing(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if pep[0].Category != CategoryPEP || pep[1].Category != CategorySanc || pep[1].Names[0] != "Arkady Volkonsky" ||
		pep[1].Documents[0] != "721234567" || pep[0].Nationalities[0] != "MEX" || pep[2].Kind != KindEntity {
		t.Fatalf("senzing: %+v %+v %+v", *pep[0], *pep[1], *pep[2])
	}
	ix := NewIndex(append(csvEnts, pep...))
	find := func(q Query) []Hit { t.Helper(); return ix.Search(q) }
	cases := []struct {
		name string
		q    Query
		want string // entity id of the top hit, "" none
	}{
		{"exact", Query{Name: "Zhang Wei Ming"}, "B1"},
		{"order swapped", Query{Name: "Wei Ming Zhang"}, "B1"},
		{"Hong Kong romanisation", Query{Name: "Cheung Wai Ming"}, "B1"},
		{"Wade-Giles surname", Query{Name: "Chang Wei Ming"}, "B1"},
		{"Han characters", Query{Name: "张伟明"}, "B1"},
		{"joined given name", Query{Name: "ZHANG Weiming"}, "B1"},
		{"pep typo", Query{Name: "Elena Vasqeuz Morales"}, "Q1001"},
		{"pep dropped middle", Query{Name: "Elena Morales"}, "Q1001"},
		{"company suffix", Query{Name: "Northwind Trading Limited"}, "Q1003"},
		{"document number raises", Query{Name: "A. Volkonski", Documents: []string{"721234567"}}, "Q1002"},
		{"dropped token, other birth date", Query{Name: "Zhang Wei", BirthDate: "1990-02-03"}, ""},
		{"dropped token, name only: a reviewer looks", Query{Name: "Zhang Wei"}, "B1"},
		{"other birth date", Query{Name: "张伟明", BirthDate: "1990-02-03"}, ""},
		{"control", Query{Name: "Jennifer Anderson"}, ""},
	}
	for _, c := range cases {
		hs := find(c.q)
		got := ""
		if len(hs) > 0 {
			got = hs[0].EntityID
		}
		if got != c.want {
			t.Errorf("%s: %q → %q, want %q (%+v)", c.name, c.q.Name, got, c.want, hs)
		}
	}
	// The explanation says what matched and what agreed.
	hs := find(Query{Name: "张伟明", BirthDate: "1975-08-09", Nationality: "China"})
	if len(hs) != 1 {
		t.Fatalf("hits: %+v", hs)
	}
	ex := hs[0].Explanation
	if ex.Script != "pinyin" || len(ex.Tokens) == 0 || hs[0].Score != 1 || len(ex.Fields) != 2 ||
		ex.Fields[0].Field != "birth_date" || ex.Fields[0].Result != "agree" || ex.Fields[1].Result != "agree" {
		t.Fatalf("explanation: %+v score %v", ex, hs[0].Score)
	}
	if p := find(Query{Name: "Elena Vasquez Morales"}); len(p) == 0 || p[0].Category != CategoryPEP {
		t.Fatalf("pep: %+v", p)
	}
}

func TestMalformedListsNameWhere(t *testing.T) {
	sdn := "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n" +
		"173,\"ANGLO-CARIBBEAN CO., LTD.\",-0- ,\"CUBA\"\n"
	_, err := ParseOFAC(fstest.MapFS{"sdn.csv": {Data: []byte(sdn)}})
	if err == nil || !strings.Contains(err.Error(), "sdn.csv line 2") {
		t.Errorf("short OFAC record: %v", err)
	}
	alt := "999,12,\"aka\",\"NOBODY\",-0- \n"
	_, err = ParseOFAC(fstest.MapFS{"sdn.csv": {Data: []byte(sdn[:strings.Index(sdn, "\n")+1])}, "alt.csv": {Data: []byte(alt)}})
	if err == nil || !strings.Contains(err.Error(), "alt.csv line 1") {
		t.Errorf("alias of an unknown entity: %v", err)
	}
	_, err = ParseOFAC(fstest.MapFS{"sdn.csv": {Data: []byte("36,\"A\"B\",x\n")}})
	if err == nil {
		t.Errorf("bad quoting accepted")
	}
	for _, c := range []struct{ xml, where string }{
		{"<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>\n<INDIVIDUAL><DATAID>2</DATAID>\n</INDIVIDUALS>", "line 4"},
		{"<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><DATAID>7</DATAID></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>", "line 2 <INDIVIDUAL>"},
		{"<OTHER/>", "line 1"},
	} {
		_, err := ParseUN(strings.NewReader(c.xml))
		if err == nil || !strings.Contains(err.Error(), c.where) {
			t.Errorf("UN %q: %v, want %s", c.xml, err, c.where)
		}
	}
	_, err = ParseSenzing(strings.NewReader("{\"RECORD_ID\":\"1\",\"NAMES\":[{\"NAME_FULL\":\"A B\"}]}\n{broken\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("senzing: %v", err)
	}
	_, err = ParseCSV(strings.NewReader("name,kind\nA B,person\nC D,spaceship\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("csv: %v", err)
	}
	// ParseFile says so in the API's error, and where.
	dir := t.TempDir()
	os.WriteFile(dir+"/bad.xml", []byte("<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL>"), 0o600)
	_, err = ParseFile(SourceUN, dir+"/bad.xml")
	var e *errs.Error
	if !asErrs(err, &e) || e.Code != "SCREENING_LIST_MALFORMED" || !strings.Contains(e.Message.EN, "line") {
		t.Errorf("ParseFile: %v", err)
	}
	if _, err := ParseFile("nope", dir); errs.KindOf(err) != errs.Invalid {
		t.Errorf("unknown source: %v", err)
	}
}

func asErrs(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

// TestOFACRemarks: dates of birth, nationalities, documents and aliases come
// out of the OFAC remarks.
func TestOFACRemarks(t *testing.T) {
	ents, _ := testLists(t)
	var e *Entity
	for _, x := range ents {
		if x.List == SourceOFAC && x.ID == "9340" {
			e = x
		}
	}
	if e == nil {
		t.Fatal("9340 missing")
	}
	if !slices.Contains(e.BirthDates, "1961-03-18") || !slices.Contains(e.Nationalities, "CHN") ||
		!slices.Contains(e.Documents, "611657479") || !slices.Contains(e.Names, "CHI BANG") {
		t.Fatalf("remarks: %+v", *e)
	}
	var un *Entity
	for _, x := range ents {
		if x.List == SourceUN && slices.Contains(x.Names, "صدام حسين التكريتي") {
			un = x
		}
	}
	if un == nil || un.Kind != KindPerson || !slices.Contains(un.Nationalities, "IRQ") {
		t.Fatalf("UN original script: %+v", un)
	}
}
