package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreeningCommands: import a list, search it (JSON as the API's), and
// a broken file is refused naming its line while the old version stays.
func TestScreeningCommands(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"VERIWALLET_DATA_DIR": dir}[k] }
	ctx := context.Background()
	good := filepath.Join(t.TempDir(), "list.csv")
	os.WriteFile(good, []byte("id,name,birth_date,nationality\nB1,Ivan Petrovsky,1970-01-01,RU\nB2,Olga Smirnova,,\n"), 0o600)
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"screening", "import", "--source", "csv", good}, env, &out, &errb); err != nil {
		t.Fatalf("import: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), `"entities":2`) || !strings.Contains(errb.String(), "100%") {
		t.Fatalf("import output: %s / %s", out.String(), errb.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("id,name,kind\nB1,Ivan Petrovsky,person\nB2,,person\n"), 0o600)
	out.Reset()
	err := run(ctx, []string{"screening", "import", "--source", "csv", bad}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("broken file: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"screening", "search", "--dob", "1970-01-01", "--country", "RU", "Petrovsky Ivan"}, env, &out, &errb); err != nil {
		t.Fatalf("search: %v %s", err, errb.String())
	}
	var res struct {
		Hits []struct {
			EntityID string  `json:"entity_id"`
			Score    float64 `json:"score"`
		} `json:"hits"`
		ListVersions []struct {
			Entities int `json:"entities"`
		} `json:"list_versions"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.Hits) != 1 || res.Hits[0].EntityID != "B1" ||
		len(res.ListVersions) != 1 || res.ListVersions[0].Entities != 2 {
		t.Fatalf("search output (the old version must stay): %s %v", out.String(), err)
	}
	if err := run(ctx, []string{"screening", "import", "--source", "nope", good}, env, &out, &errb); err == nil {
		t.Fatal("unknown source accepted")
	}
	if err := run(ctx, []string{"screening"}, env, &out, &errb); err == nil {
		t.Fatal("no subcommand accepted")
	}
}
