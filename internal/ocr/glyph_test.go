package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

func TestCTCSpans(t *testing.T) {
	// 6 steps × 4 classes (0 = blank): a a _ b b a
	rows := [][]float32{
		{0.1, 0.8, 0.05, 0.05},
		{0.1, 0.9, 0.0, 0.0},
		{0.9, 0.05, 0.05, 0.0},
		{0.1, 0.0, 0.7, 0.2},
		{0.2, 0.0, 0.55, 0.25},
		{0.1, 0.6, 0.1, 0.2},
	}
	var probs []float32
	for _, r := range rows {
		probs = append(probs, r...)
	}
	got := ctcSpans(probs, 6, 4, nil)
	want := []ctcSpan{{1, 0, 1, 0.9}, {2, 3, 4, 0.7}, {1, 5, 5, 0.6}}
	if len(got) != len(want) {
		t.Fatalf("spans %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("span %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	text, _ := ctcDecode(probs, 6, 4, []string{"a", "b", "c"}, nil)
	if text != "aba" {
		t.Errorf("ctcDecode = %q, want aba", text)
	}
	// Only class 3 allowed: step 3 and 4 pick it over class 2.
	allowed := []bool{false, false, false, true}
	got = ctcSpans(probs, 6, 4, allowed)
	if len(got) != 1 || got[0].class != 3 || got[0].t0 != 3 || got[0].t1 != 5 || got[0].p != 0.25 {
		t.Errorf("restricted spans %+v", got)
	}
}

func TestTTCFaceNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.IntN(200))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		if len(b) >= 4 && rng.IntN(2) == 0 {
			copy(b, "ttcf")
		}
		ttcFace(b, rng.IntN(3)-1) // must not panic
	}
	if _, ok := ttcFace([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"), 0); ok {
		t.Error("truncated collection accepted")
	}
	// Many table records all pointing at the same large region: the copy
	// must not grow past the file's own size.
	const tables = 60
	b := make([]byte, 16+12+16*tables+200_000)
	copy(b, "ttcf")
	binary.BigEndian.PutUint32(b[8:], 1)
	binary.BigEndian.PutUint32(b[12:], 16)
	binary.BigEndian.PutUint16(b[16+4:], tables)
	for i := 0; i < tables; i++ {
		rec := 16 + 12 + 16*i
		binary.BigEndian.PutUint32(b[rec+8:], uint32(16+12+16*tables))
		binary.BigEndian.PutUint32(b[rec+12:], 200_000)
	}
	if out, ok := ttcFace(b, 0); ok || len(out) > 2*len(b) {
		t.Errorf("crafted collection: ok %v, %d bytes from %d", ok, len(out), len(b))
	}
	binary.BigEndian.PutUint16(b[16+4:], 65535)
	if _, ok := ttcFace(b, 0); ok {
		t.Error("65535 tables accepted")
	}
}

// TestTTCFaceCollections: wqy-microhei and uming keep tables off 4-byte
// boundaries, which x/image/font/sfnt refuses; ttcFace makes them usable.
func TestTTCFaceCollections(t *testing.T) {
	found := 0
	for _, p := range []string{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		found++
		c, err := opentype.ParseCollection(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, err := c.Font(0); err == nil {
			t.Logf("%s: x/image parses it directly now", p)
		}
		one, ok := ttcFace(b, 0)
		if !ok {
			t.Fatalf("%s: ttcFace failed", p)
		}
		f, err := opentype.Parse(one)
		if err != nil {
			t.Fatalf("%s: extracted face: %v", p, err)
		}
		if f.NumGlyphs() < 10000 {
			t.Errorf("%s: %d glyphs", p, f.NumGlyphs())
		}
		if loadFace(p) == nil {
			t.Errorf("loadFace(%s) = nil", p)
		}
	}
	if found == 0 {
		t.Skip("fonts-wqy-microhei / fonts-arphic-uming not installed")
	}
}

// render draws r in the font at path, as glyph-matcher ink.
func render(t *testing.T, path string, r rune, size int) ([]float32, int, int) {
	t.Helper()
	f := loadFace(path)
	if f == nil {
		t.Skipf("%s not installed", path)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	w, h := 2*size, 2*size
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	d := &font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.P(size/3, size+size/3)}
	d.DrawString(string(r))
	ink := make([]float32, len(dst.Pix))
	for i, v := range dst.Pix {
		ink[i] = float32(v) / 255
	}
	return ink, w, h
}

// TestGlyphMatchAcrossFonts: a bank drawn from two fonts recognises rare
// name characters drawn in a third, at another size, among all 8,105
// characters of the 通用规范汉字表.
func TestGlyphMatchAcrossFonts(t *testing.T) {
	var chars []rune
	for _, r := range tghz2013 {
		if r != '\n' {
			chars = append(chars, r)
		}
	}
	if len(chars) != 8105 {
		t.Fatalf("%d characters in data/tghz2013.txt, want 8105", len(chars))
	}
	bank := buildGlyphBank([]string{
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	}, chars)
	if bank == nil {
		t.Skip("no CJK font installed")
	}
	const other = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
	for _, r := range "旻翀镕赟垚堃喆" {
		ink, w, h := render(t, other, r, 30)
		q, ok := glyphFeature(ink, w, h, 0, w)
		if !ok {
			t.Fatalf("%c: no ink", r)
		}
		m := bank.match(q)
		if m.best != r {
			own, _ := m.scoreOf(r)
			t.Errorf("%c read as %c (%.3f; %c %.3f)", r, m.best, m.score, r, own)
		}
	}
	if _, ok := glyphFeature(make([]float32, 100), 10, 10, 0, 10); ok {
		t.Error("feature of a blank cell")
	}
}

func TestGlyphBankCache(t *testing.T) {
	b := &glyphBank{runes: []rune("旻翀")}
	for i := 0; i < 2; i++ {
		f := make([]float32, glyphLen)
		f[i*7] = 1
		f[i*7+1] = -0.5
		q, s := quantise(f)
		b.q = append(b.q, q...)
		b.scale = append(b.scale, s)
	}
	path := filepath.Join(t.TempDir(), "bank.bin")
	if err := writeBank(path, b); err != nil {
		t.Fatal(err)
	}
	got, err := readBank(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.runes) != string(b.runes) || !bytes.Equal(int8s(got.q), int8s(b.q)) || got.scale[1] != b.scale[1] {
		t.Errorf("round trip changed the bank")
	}
	raw, _ := os.ReadFile(path)
	for _, cut := range []int{0, 5, len(bankMagic) + 4, len(raw) - 1} {
		os.WriteFile(path, raw[:cut], 0o644)
		if _, err := readBank(path); err == nil {
			t.Errorf("bank cut at %d bytes accepted", cut)
		}
	}
	flipped := bytes.Clone(raw)
	flipped[len(bankMagic)+4+8+2] ^= 1 // a scale byte
	os.WriteFile(path, flipped, 0o644)
	if _, err := readBank(path); err == nil {
		t.Error("bank with a changed byte accepted")
	}
	// A well-formed file whose entries are not characters of the list (a
	// digit, an infinite scale) is refused: a bank must never put a digit
	// into an ID number.
	for _, bad := range []*glyphBank{
		{runes: []rune("1"), q: b.q[:glyphLen], scale: []float32{b.scale[0]}},
		{runes: []rune("旻"), q: b.q[:glyphLen], scale: []float32{float32(math.Inf(1))}},
		{runes: []rune("旻"), q: b.q[:glyphLen], scale: []float32{0}},
	} {
		if err := writeBank(path, bad); err != nil {
			t.Fatal(err)
		}
		if _, err := readBank(path); err == nil {
			t.Errorf("bank with entry %q scale %v accepted", string(bad.runes), bad.scale[0])
		}
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("bank file mode %v %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".glyphs-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func int8s(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// BenchmarkGlyphMatch: one character cell against the whole bank (every
// installed font), the cost the matcher adds per character it checks.
func BenchmarkGlyphMatch(b *testing.B) {
	bank := sharedGlyphBank(filepath.Join(Dir(), "cache"))
	if bank == nil {
		b.Skip("no CJK font installed")
	}
	q := make([]float32, glyphLen)
	copy(q, dequantise(bank, 0))
	b.ResetTimer()
	for b.Loop() {
		bank.match(q)
	}
}

func dequantise(b *glyphBank, i int) []float32 {
	out := make([]float32, glyphLen)
	for j, v := range b.q[i*glyphLen : (i+1)*glyphLen] {
		out[j] = float32(v) * b.scale[i]
	}
	return out
}

// BenchmarkGlyphBankBuild: drawing the whole bank, what a machine's first
// start pays once (run with -benchtime 1x).
func BenchmarkGlyphBankBuild(b *testing.B) {
	var chars []rune
	for _, r := range tghz2013 {
		if r != '\n' {
			chars = append(chars, r)
		}
	}
	for b.Loop() {
		if buildGlyphBank(GlyphFonts, chars) == nil {
			b.Skip("no CJK font installed")
		}
	}
}

// TestGlyphMatcherKeepsCommonText: ID-card-like field pages (sex and
// ethnicity, birth date, address, validity, authority) of common characters,
// drawn in faces partly outside the bank (Noto Sans and Serif Bold), large and
// small, on tinted paper with specks. Every line PP-OCR alone reads right
// must stay right with the matcher: it may only ever fill in what the model
// could not read. (A review found 侯 replaced by 曩 in a bold face.)
func TestGlyphMatcherKeepsCommonText(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 8 pages twice")
	}
	e := openGlyphEngine(t)
	faces := []string{"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc"}
	places := []rune("北京市海淀区中关村大街号楼单元室四川省成都市武侯区人民路广东省深圳市南山区科技园路浙江杭州西湖文三路村镇乡街道组巷弄小区栋层")
	eth := []string{"汉", "壮", "回", "满", "维吾尔", "苗", "彝", "土家", "藏", "蒙古", "白", "侗"}
	rng := rand.New(rand.NewPCG(24, 5))
	changed, broken := 0, 0
	for i := 0; i < 8; i++ {
		f := loadFace(faces[rng.IntN(len(faces))])
		if f == nil {
			t.Skip("fonts-noto-cjk / fonts-arphic-uming not installed")
		}
		small := i%2 == 1
		size := float64(22 + rng.IntN(14))
		if small {
			size = float64(11 + rng.IntN(6))
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		lines = append(lines, "性别 "+[]string{"男", "女"}[rng.IntN(2)]+"   民族 "+eth[rng.IntN(len(eth))])
		lines = append(lines, fmt.Sprintf("出生 %d 年 %d 月 %d 日", 1940+rng.IntN(70), 1+rng.IntN(12), 1+rng.IntN(28)))
		var a []rune
		for k := 0; k < 8+rng.IntN(14); k++ {
			a = append(a, places[rng.IntN(len(places))])
		}
		a = append(a, []rune(fmt.Sprint(1+rng.IntN(300))+"号")...)
		lines = append(lines, "住址 "+string(a[:min(len(a), 11)]))
		if len(a) > 11 {
			lines = append(lines, "     "+string(a[11:]))
		}
		lines = append(lines, fmt.Sprintf("有效期限 20%02d.%02d.%02d-20%02d.%02d.%02d", rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28), 20+rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28)))
		lines = append(lines, "签发机关 "+string(places[rng.IntN(20)])+string(places[rng.IntN(20)])+"市公安局")
		W, H := 900, int(size*1.9)*len(lines)+60
		m := image.NewRGBA(image.Rect(0, 0, W, H))
		draw.Draw(m, m.Bounds(), image.NewUniform(color.RGBA{uint8(220 + rng.IntN(30)), uint8(215 + rng.IntN(30)), 200, 255}), image.Point{}, draw.Src)
		d := &font.Drawer{Dst: m, Src: image.NewUniform(color.Gray{byte(20 + rng.IntN(50))}), Face: face}
		for li, s := range lines {
			d.Dot = fixed.P(30, 40+li*int(size*1.9))
			for _, r := range s {
				d.DrawString(string(r))
				if r != ' ' {
					d.Dot.X += fixed.I(rng.IntN(int(size)/6 + 1))
				}
			}
		}
		face.Close()
		for k := 0; k < 400; k++ {
			m.Set(rng.IntN(W), rng.IntN(H), color.Gray{byte(100 + rng.IntN(156))})
		}
		var page image.Image = m
		if small { // lose detail the way a phone photo of small print does
			page = toRGB(m).resize(W*2/3, H*2/3).resize(W, H).toImage()
		}
		all := compact(strings.Join(lines, ""))
		l0, l1 := readTwice(t, e, page)
		if len(l0) != len(l1) {
			t.Fatalf("page %d: %d lines without the matcher, %d with", i, len(l0), len(l1))
		}
		for k := range l0 {
			if l0[k].Text == l1[k].Text {
				continue
			}
			changed++
			if strings.Contains(all, compact(l0[k].Text)) && !strings.Contains(all, compact(l1[k].Text)) {
				broken++
				t.Errorf("page %d: right line %q became %q", i, l0[k].Text, l1[k].Text)
			}
		}
	}
	t.Logf("8 pages: %d lines changed by the matcher, %d right lines broken", changed, broken)
}

// TestGlyphMatcherKeepsBoldAddress: the page a review found broken (Noto
// Sans Bold, small, not in the bank): PP-OCR reads 侯 with probability 0.94
// and the bank preferred the rare 曩 (0.739 against 0.600) under the first
// replacement floor. Every line must read the same with the matcher.
func TestGlyphMatcherKeepsBoldAddress(t *testing.T) {
	e := openGlyphEngine(t)
	f, err := os.Open("testdata/glyph/bold_address.png")
	if err != nil {
		t.Fatal(err)
	}
	page, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	l0, l1 := readTwice(t, e, page)
	if !strings.Contains(linesText(l0), "侯元镇") {
		t.Fatalf("PP-OCR alone no longer reads the address (%q): the fixture tests nothing", linesText(l0))
	}
	if a, b := linesText(l0), linesText(l1); a != b {
		t.Errorf("the matcher changed a right page:\n%s\n->\n%s", a, b)
	}
}

// openGlyphEngine opens PP-OCR with the glyph bank loaded, or skips.
func openGlyphEngine(t *testing.T) *PPOCR {
	t.Helper()
	e, err := NewPPOCR(Dir())
	if err != nil {
		t.Skipf("PP-OCR not installed: %s", Detail(err))
	}
	t.Cleanup(func() { e.Close() })
	if !e.WarmGlyphs() {
		t.Skip("no CJK font installed")
	}
	return e
}

// readTwice reads a page without the glyph matcher, then with it.
func readTwice(t *testing.T, e *PPOCR, page image.Image) (without, with []Line) {
	t.Helper()
	var err error
	e.NoGlyphs = true
	without, err = e.Read(context.Background(), page, Options{Mode: ModePage})
	e.NoGlyphs = false
	if err != nil {
		t.Fatal(err)
	}
	with, err = e.Read(context.Background(), page, Options{Mode: ModePage})
	if err != nil {
		t.Fatal(err)
	}
	return without, with
}

func linesText(ls []Line) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}
