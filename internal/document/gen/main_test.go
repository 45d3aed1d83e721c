package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// The committed calibration set is what this generator makes: same labels,
// and (spot-checked) the same bytes.
func TestCommittedSetMatchesGenerator(t *testing.T) {
	dir := filepath.Join("..", "testdata", "calib")
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var committed []Entry
	if err := json.Unmarshal(raw, &committed); err != nil {
		t.Fatal(err)
	}
	want := Set(4)
	if !reflect.DeepEqual(committed, want) {
		t.Fatalf("manifest.json differs from Set(4): run go run ./internal/document/gen")
	}
	for _, i := range []int{0, len(want) / 2, len(want) - 1} {
		data, err := synth.Encode(want[i].Spec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, want[i].File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, got) {
			t.Errorf("%s differs from its spec", want[i].File)
		}
	}
	total := 0
	for _, e := range want {
		fi, err := os.Stat(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 60_000 {
			t.Errorf("%s is %d bytes", e.File, fi.Size())
		}
		total += int(fi.Size())
	}
	if total > 6<<20 {
		t.Errorf("calibration set is %d bytes", total)
	}
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the whole set")
	}
	dir := t.TempDir()
	if err := run(dir, 4); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
}
