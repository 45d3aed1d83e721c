// Package export makes the personal data export a customer downloads
// (PIPL art. 45): a ZIP with one JSON and one CSV file per section
// (account, verifications, documents, messages, and the tickets and
// transactions of the packages that add them) and the section's files.
// Each part of veriwallet contributes a Source; this package only
// assembles them.
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Section is one part of an export: its records (written as
// <name>.json and <name>.csv) and its files (written under <name>/).
type Section struct {
	Name    string
	Records []map[string]any
	Files   []File
}

// File is one file of a section (a document's photo).
type File struct {
	Name string
	Data []byte
}

// Source contributes one section for a user. It must return only that
// user's data.
type Source interface {
	ExportSection(ctx context.Context, userID string) (*Section, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, userID string) (*Section, error)

// ExportSection implements Source.
func (f SourceFunc) ExportSection(ctx context.Context, userID string) (*Section, error) {
	return f(ctx, userID)
}

// Records turns a slice of structs (or anything that marshals to a JSON
// array of objects) into records, as their JSON shows them.
func Records(v any) ([]map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	if string(b) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("export records: %w", err)
	}
	return out, nil
}

// ZIP builds the export of userID from sources, in their order, with a
// README.txt saying what is inside. Errors: a source's.
func ZIP(ctx context.Context, userID string, at time.Time, sources []Source) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var names []string
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	for _, src := range sources {
		s, err := src.ExportSection(ctx, userID)
		if err != nil {
			return nil, err
		}
		if s == nil {
			continue
		}
		names = append(names, s.Name)
		js, err := json.MarshalIndent(s.Records, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := add(s.Name+".json", js); err != nil {
			return nil, err
		}
		cs, err := toCSV(s.Records)
		if err != nil {
			return nil, err
		}
		if err := add(s.Name+".csv", cs); err != nil {
			return nil, err
		}
		for _, f := range s.Files {
			if err := add(s.Name+"/"+path.Base(f.Name), f.Data); err != nil {
				return nil, err
			}
		}
	}
	readme := "veriwallet: your personal data / 您的个人数据\r\n\r\nAccount / 账户: " + userID + "\r\nMade / 生成时间: " + at.UTC().Format(time.RFC3339) +
		"\r\n\r\nEach part comes as JSON and as CSV (for spreadsheets) / 每部分均有 JSON 和 CSV（可用表格软件打开）:\r\n" + strings.Join(names, ", ") + "\r\n"
	if err := add("README.txt", []byte(readme)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// toCSV writes records with the union of their keys as columns (sorted);
// values that are not strings are written as JSON. A UTF-8 byte order mark
// lets spreadsheet programs read Chinese text.
func toCSV(records []map[string]any) ([]byte, error) {
	var cols []string
	for _, r := range records {
		for k := range r {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	slices.Sort(cols)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write(cols); err != nil {
		return nil, err
	}
	for _, r := range records {
		row := make([]string, len(cols))
		for i, c := range cols {
			switch v := r[c].(type) {
			case nil:
			case string:
				row[i] = csvSafe(v)
			default:
				b, _ := json.Marshal(v)
				row[i] = csvSafe(string(b))
			}
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe defuses spreadsheet formulas (a cell starting with = + @, or -
// not followed by a digit), keeping negative numbers as they are.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("=+@\t\r", rune(s[0])) || (s[0] == '-' && (len(s) == 1 || s[1] < '0' || s[1] > '9')) {
		return "'" + s
	}
	return s
}
