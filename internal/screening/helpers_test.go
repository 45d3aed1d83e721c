package screening

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"sync"
	"testing"
	"testing/fstest"
)

func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	listsOnce sync.Once
	listsEnts []*Entity
	listsIx   *Index
)

// testLists returns the OFAC 2021 and UN 2026-02 lists (from testdata) and
// their index, built once.
func testLists(t testing.TB) ([]*Entity, *Index) {
	t.Helper()
	listsOnce.Do(func() {
		fsys := fstest.MapFS{}
		for _, n := range []string{"sdn", "alt", "add", "sdn_comments"} {
			fsys[n+".csv"] = &fstest.MapFile{Data: gunzip(t, "testdata/ofac-"+n+".csv.gz")}
		}
		ofac, err := ParseOFAC(fsys)
		if err != nil {
			t.Fatal(err)
		}
		un, err := ParseUN(bytes.NewReader(gunzip(t, "testdata/un-consolidated-2026-02.xml.gz")))
		if err != nil {
			t.Fatal(err)
		}
		listsEnts = append(ofac, un...)
		listsIx = NewIndex(listsEnts)
	})
	if listsIx == nil {
		t.Fatal("lists failed to load")
	}
	return listsEnts, listsIx
}
