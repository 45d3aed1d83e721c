package ocr

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testBank is a two-character bank, indexed.
func testBank() *glyphBank {
	b := &glyphBank{runes: []rune("旻翀")}
	for i := 0; i < 2; i++ {
		f := make([]float32, glyphLen)
		f[i*7] = 1
		q, s := quantise(f)
		b.q = append(b.q, q...)
		b.scale = append(b.scale, s)
	}
	return b.index()
}

// Processes starting together on a machine without the bank build it once:
// the others wait for the lock and read the file; nobody sees half a file.
func TestGlyphBankBuiltOnceByConcurrentStarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var builds atomic.Int32
	build := func() *glyphBank {
		builds.Add(1)
		time.Sleep(150 * time.Millisecond) // building takes seconds
		return testBank()
	}
	// A stale temporary file of a process killed mid-write, and a bank
	// built from fonts since changed.
	os.MkdirAll(dir, 0o755)
	stale := filepath.Join(dir, ".glyphs-123.tmp")
	os.WriteFile(stale, []byte("VWGLYPH2 half"), 0o644)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	os.WriteFile(filepath.Join(dir, "glyphs-oldkey.bin"), []byte("x"), 0o644)

	const n = 6
	var wg sync.WaitGroup
	got := make([]*glyphBank, n)
	built := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			got[i], _, built[i] = loadOrBuildBank(dir, "k1", build)
		})
	}
	wg.Wait()
	if b := builds.Load(); b != 1 {
		t.Errorf("bank built %d times by %d concurrent starts, want 1", b, n)
	}
	nb := 0
	for i, b := range got {
		if b == nil || string(b.runes) != "旻翀" || len(b.cls) != 2 || b.ids['翀'] != 1 {
			t.Fatalf("start %d got bank %+v", i, b)
		}
		if built[i] {
			nb++
		}
	}
	if nb != 1 {
		t.Errorf("%d starts say they built the bank", nb)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	want := []string{filepath.Join(dir, "glyphs-k1.bin"), filepath.Join(dir, "glyphs.lock")}
	if len(hidden) != 0 || len(left) != 2 || left[0] != want[0] || left[1] != want[1] {
		t.Errorf("cache holds %v %v, want %v", left, hidden, want)
	}
	// The next start reads it.
	if _, _, b := loadOrBuildBank(dir, "k1", build); b || builds.Load() != 1 {
		t.Error("bank built again although cached")
	}
	// A damaged file is rebuilt, not used.
	f := filepath.Join(dir, "glyphs-k1.bin")
	raw, _ := os.ReadFile(f)
	raw[len(raw)/2] ^= 0xff
	os.WriteFile(f, raw, 0o644)
	if b, _, built := loadOrBuildBank(dir, "k1", build); !built || b == nil || builds.Load() != 2 {
		t.Error("damaged bank not rebuilt")
	}
	if _, err := readBank(f); err != nil {
		t.Errorf("rebuilt bank unreadable: %v", err)
	}
}

// WarmGlyphBank (what setup runs) leaves the bank where the engine looks
// for it, and a second run only reads it.
func TestWarmGlyphBank(t *testing.T) {
	if len(installedGlyphFonts()) == 0 {
		t.Skip("no CJK font installed (scripts/ocr/setup.sh installs them)")
	}
	if testing.Short() {
		t.Skip("builds the whole bank (seconds)")
	}
	t.Setenv("VERIWALLET_OCR_GLYPH_FONTS", installedGlyphFonts()[0]) // one font: about a second
	dir := t.TempDir()
	first := WarmGlyphBank(dir)
	if !first.Built || first.Entries < 8000 || filepath.Dir(first.File) != filepath.Join(dir, "cache") {
		t.Fatalf("first warm: %+v", first)
	}
	second := WarmGlyphBank(dir)
	if second.Built || second.Entries != first.Entries || second.File != first.File {
		t.Errorf("second warm: %+v (first %+v)", second, first)
	}
}

func TestRunCheckGlyphs(t *testing.T) {
	var out, errb bytes.Buffer
	if code := RunCheckGlyphs([]string{"extra"}, &out, &errb); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
	// No CJK font: the matcher is off, said so, exit 3, nothing written.
	t.Setenv("VERIWALLET_OCR_GLYPH_FONTS", filepath.Join(t.TempDir(), "missing.ttc"))
	dir := t.TempDir()
	out.Reset()
	errb.Reset()
	if code := RunCheckGlyphs([]string{"--ocr-dir", dir}, &out, &errb); code != 3 {
		t.Errorf("no font: exit %d (%s)", code, errb.String())
	}
	var info GlyphBankInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil || info.Entries != 0 || info.File != "" {
		t.Errorf("no font: %v %+v", err, info)
	}
	if !strings.Contains(errb.String(), "no CJK font") {
		t.Errorf("stderr: %s", errb.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "cache", "glyphs-*")); len(left) != 0 {
		t.Errorf("bank written without a font: %v", left)
	}
}
