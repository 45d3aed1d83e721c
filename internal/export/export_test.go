package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"
	"time"
)

func TestCSVColumnsAndFormulas(t *testing.T) {
	b, err := toCSV([]map[string]any{
		{"id": "a", "amount": "-10.00", "note": "=HYPERLINK(\"x\")"},
		{"id": "b", "nested": map[string]any{"k": 1}, "note": "-x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatal("no byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"amount", "id", "nested", "note"}, {"-10.00", "a", "", `'=HYPERLINK("x")`}, {"", "b", `{"k":1}`, "'-x"}}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

func TestZIPSections(t *testing.T) {
	src := SourceFunc(func(ctx context.Context, uid string) (*Section, error) {
		recs, err := Records([]struct {
			ID string `json:"id"`
		}{{uid + "-1"}})
		return &Section{Name: "things", Records: recs, Files: []File{{Name: "../../evil.txt", Data: []byte("x")}}}, err
	})
	b, err := ZIP(context.Background(), "usr_1", time.Unix(0, 0), []Source{src})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "things.json" {
			rc, _ := f.Open()
			j, _ := io.ReadAll(rc)
			if !strings.Contains(string(j), "usr_1-1") {
				t.Fatalf("things.json: %s", j)
			}
		}
	}
	if strings.Join(names, ",") != "things.json,things.csv,things/evil.txt,README.txt" {
		t.Fatalf("files: %v", names)
	}
}
