package ocr

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The glyph matcher reads the Chinese characters a recognition model cannot:
// characters outside its dictionary (PP-OCRv4's ppocr_keys_v1.txt lacks 2,596
// of the 8,105 characters of the 通用规范汉字表, among them name characters
// such as 旻 翀 镕 赟) and characters it drops. It compares the ink of one
// character cell with the same character drawn in the CJK fonts installed on
// the machine and keeps the best match only when it clearly beats every
// other character and the model's own reading.
//
// It never contradicts a customer on its own: a line it changed carries a
// confidence below every field's mismatch threshold (see glyphConfidence),
// so a reading that differs from what was typed is "unreadable" (a reviewer),
// while one that agrees is a match.

//go:embed data/tghz2013.txt
var tghz2013 string

// GlyphFonts are the font files the glyph matcher draws characters with, the
// ones installed of them (Debian: fonts-noto-cjk, fonts-wqy-microhei,
// fonts-arphic-uming, fonts-droid-fallback; scripts/ocr/setup.sh installs
// them).
// VERIWALLET_OCR_GLYPH_FONTS (a colon-separated list of paths) replaces it.
var GlyphFonts = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
}

const (
	glyphSide = 24 // feature raster side
	glyphLen  = glyphSide * glyphSide
	// glyphConfidence caps the confidence of a line the matcher changed:
	// below every MinConfidence, so such a reading can confirm what was
	// typed but never contradict it.
	glyphConfidence = 0.85
)

// glyphBank holds one feature vector per character and font, quantised to
// int8 (value = q × scale): 8,105 characters × 6 fonts fit in 28 MB.
type glyphBank struct {
	runes []rune  // runes[i] is the character of entry i
	cls   []int32 // cls[i] is the index in chars of runes[i]
	chars []rune  // the distinct characters
	ids   map[rune]int32
	q     []int8    // entry i is q[i*glyphLen:(i+1)*glyphLen]
	scale []float32 // per entry
}

var (
	bankMu   sync.Mutex
	bankDone bool
	bank     *glyphBank
)

// sharedGlyphBank returns the process's bank, building it on first use:
// about a second per font, or a few milliseconds when an earlier process
// (or scripts/ocr/setup.sh, see WarmGlyphBank) left it in cacheDir. nil when
// no font is installed.
func sharedGlyphBank(cacheDir string) *glyphBank {
	bankMu.Lock()
	defer bankMu.Unlock()
	if bankDone {
		return bank
	}
	bankDone = true
	paths := glyphFontPaths()
	bank, _, _ = loadOrBuildBank(cacheDir, bankKey(paths, bankChars()), func() *glyphBank {
		return buildGlyphBank(paths, bankChars())
	})
	return bank
}

// bankChars are the Chinese characters of the 通用规范汉字表.
func bankChars() []rune {
	var chars []rune
	for _, r := range tghz2013 {
		if unicode.Is(unicode.Han, r) {
			chars = append(chars, r)
		}
	}
	return chars
}

// loadOrBuildBank reads the bank named key from cacheDir or, when it is not
// there (or damaged), builds it and leaves it there. Processes starting
// together build it once: the first takes a lock on cacheDir/glyphs.lock,
// the others wait for it and then read its file (the kernel drops the lock
// of a process that dies). The file itself is written to a temporary file
// and renamed into place, so a reader never sees half of one. It returns
// the bank (nil: no font installed), its file ("" without a cache
// directory) and whether it was built here. A cache that cannot be written
// (a read-only install) only means building again next time.
func loadOrBuildBank(cacheDir, key string, build func() *glyphBank) (*glyphBank, string, bool) {
	if cacheDir == "" {
		return build(), "", true
	}
	file := filepath.Join(cacheDir, "glyphs-"+key+".bin")
	if b, err := readBank(file); err == nil {
		return b.index(), file, false
	}
	if err := os.MkdirAll(cacheDir, 0o755); err == nil {
		if unlock, err := lockFile(filepath.Join(cacheDir, "glyphs.lock")); err == nil {
			defer unlock()
			// Another process may have built it while we waited.
			if b, err := readBank(file); err == nil {
				return b.index(), file, false
			}
		}
	}
	b := build() // indexed
	if b != nil && writeBank(file, b) == nil {
		pruneBanks(cacheDir, file)
	}
	return b, file, true
}

// GlyphBankInfo says where the glyph matcher's bank is and what loading it
// took.
type GlyphBankInfo struct {
	File    string `json:"file"`    // the cached bank; "" when none could be kept
	Entries int    `json:"entries"` // characters × fonts; 0 when no CJK font is installed
	Built   bool   `json:"built"`   // built now (false: read from the cache)
	Elapsed int64  `json:"elapsed_ms"`
}

// WarmGlyphBank loads the glyph bank for the OCR directory dir (see Dir),
// building and caching it in dir/cache when it is not there yet, so that
// the first document read after an install does not wait seconds for it.
// scripts/ocr/setup.sh runs it (`veriwallet check glyphs`).
func WarmGlyphBank(dir string) GlyphBankInfo {
	start := time.Now()
	paths := glyphFontPaths()
	b, file, built := loadOrBuildBank(filepath.Join(dir, "cache"), bankKey(paths, bankChars()), func() *glyphBank {
		return buildGlyphBank(paths, bankChars())
	})
	info := GlyphBankInfo{File: file, Built: built, Elapsed: time.Since(start).Milliseconds()}
	if b != nil {
		info.Entries = len(b.runes)
	}
	if _, err := os.Stat(file); err != nil {
		info.File = ""
	}
	return info
}

// glyphFontPaths is GlyphFonts, or VERIWALLET_OCR_GLYPH_FONTS when set.
func glyphFontPaths() []string {
	if v := os.Getenv("VERIWALLET_OCR_GLYPH_FONTS"); v != "" {
		return filepath.SplitList(v)
	}
	return GlyphFonts
}

// installedGlyphFonts are the font files of glyphFontPaths that exist.
func installedGlyphFonts() []string {
	var out []string
	for _, p := range glyphFontPaths() {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

// WarmGlyphs loads (or builds, a few seconds the first time on a machine)
// the glyph matcher's bank now rather than on the first line that needs it,
// and reports whether it is usable (a CJK font is installed).
func (e *PPOCR) WarmGlyphs() bool { return sharedGlyphBank(e.glyphCache) != nil }

// bankKey names a bank by what it was built from: the feature version, the
// characters and each font file's path, size and modification time.
func bankKey(paths []string, chars []rune) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %s\n", bankMagic, glyphSide, string(chars))
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", p, st.Size(), st.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

const bankMagic = "VWGLYPH2"

func writeBank(path string, b *glyphBank) error {
	// A temporary file of its own, renamed into place: processes building
	// the bank at the same time never see half of one.
	f, err := os.CreateTemp(filepath.Dir(path), ".glyphs-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Chmod(0o644) // font shapes only, nothing secret; another user may share the install
	sum := sha256.New()
	w := bufio.NewWriter(io.MultiWriter(f, sum))
	w.WriteString(bankMagic)
	binary.Write(w, binary.LittleEndian, uint32(len(b.runes)))
	binary.Write(w, binary.LittleEndian, b.runes)
	binary.Write(w, binary.LittleEndian, b.scale)
	binary.Write(w, binary.LittleEndian, b.q)
	err = w.Flush()
	if err == nil {
		_, err = f.Write(sum.Sum(nil)) // trailer: SHA-256 of everything before it
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// pruneBanks removes the banks in dir other than keep (built from fonts or
// a list since changed).
// Temporary files of a process killed while writing, older than an hour,
// go too.
func pruneBanks(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, "glyphs-*.bin"))
	for _, p := range old {
		if p != keep {
			os.Remove(p)
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, ".glyphs-*.tmp"))
	for _, p := range tmps {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(p)
		}
	}
}

func readBank(path string) (*glyphBank, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < len(bankMagic)+4+sha256.Size || string(raw[:len(bankMagic)]) != bankMagic {
		return nil, fmt.Errorf("%s: not a glyph bank", path)
	}
	body, trailer := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], trailer) {
		return nil, fmt.Errorf("%s: checksum mismatch", path)
	}
	r := bytes.NewReader(body[len(bankMagic):])
	var n uint32
	binary.Read(r, binary.LittleEndian, &n)
	if n == 0 || int64(n)*(4+4+glyphLen) != int64(r.Len()) {
		return nil, fmt.Errorf("%s: truncated", path)
	}
	b := &glyphBank{runes: make([]rune, n), scale: make([]float32, n), q: make([]int8, int(n)*glyphLen)}
	if err := binary.Read(r, binary.LittleEndian, b.runes); err != nil {
		return nil, err
	}
	if err := binary.Read(r, binary.LittleEndian, b.scale); err != nil {
		return nil, err
	}
	if err := binary.Read(r, binary.LittleEndian, b.q); err != nil {
		return nil, err
	}
	// Only Chinese characters of the list, with finite positive scales: a
	// bank can never put a digit or a letter into a reading.
	allowed := map[rune]bool{}
	for _, c := range tghz2013 {
		allowed[c] = unicode.Is(unicode.Han, c)
	}
	for i, c := range b.runes {
		if !allowed[c] || !(b.scale[i] > 0) || math.IsInf(float64(b.scale[i]), 0) {
			return nil, fmt.Errorf("%s: entry %d is not a character of the list", path, i)
		}
	}
	return b, nil
}

// quantise maps a feature vector to int8 and its scale.
func quantise(f []float32) ([]int8, float32) {
	var m float32
	for _, x := range f {
		m = max(m, x, -x)
	}
	if m == 0 {
		return make([]int8, len(f)), 0
	}
	q := make([]int8, len(f))
	for i, x := range f {
		q[i] = int8(math.Round(float64(x * 127 / m)))
	}
	return q, m / 127
}

// loadFace parses the Simplified Chinese face of a font file (collections
// hold several).
func loadFace(path string) *sfnt.Font {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	c, err := opentype.ParseCollection(b)
	if err != nil {
		return nil
	}
	var pick *sfnt.Font
	for i := 0; i < c.NumFonts(); i++ {
		f, err := c.Font(i)
		if err != nil {
			// x/image/font/sfnt wants every table on a 4-byte boundary,
			// which some collections (wqy-microhei, uming) do not keep:
			// copy the face out into a font file of its own.
			if one, ok := ttcFace(b, i); ok {
				f, err = opentype.Parse(one)
			}
			if err != nil {
				continue
			}
		}
		name, _ := f.Name(nil, sfnt.NameIDFamily)
		if pick == nil || strings.HasSuffix(name, " SC") || strings.HasSuffix(name, " CN") {
			pick = f
		}
		if strings.HasSuffix(name, " SC") || strings.HasSuffix(name, " CN") {
			break
		}
	}
	return pick
}

// ttcFace copies face i of a TrueType collection into a standalone font
// file, each table on a 4-byte boundary.
func ttcFace(b []byte, i int) ([]byte, bool) {
	u32 := func(o int) (uint32, bool) {
		if o < 0 || o+4 > len(b) {
			return 0, false
		}
		return binary.BigEndian.Uint32(b[o:]), true
	}
	if len(b) < 12 || string(b[:4]) != "ttcf" {
		return nil, false
	}
	n, _ := u32(8)
	if i < 0 || uint32(i) >= n {
		return nil, false
	}
	off32, ok := u32(12 + 4*i)
	if !ok {
		return nil, false
	}
	off := int(off32)
	if off+12 > len(b) {
		return nil, false
	}
	tables := int(binary.BigEndian.Uint16(b[off+4:]))
	head := 12 + 16*tables
	if tables > 64 || off+head > len(b) { // real fonts have about 20 tables
		return nil, false
	}
	out := make([]byte, head, len(b)/int(n)+head)
	copy(out, b[off:off+head])
	for t := 0; t < tables; t++ {
		rec := off + 12 + 16*t
		to, _ := u32(rec + 8)
		tl, _ := u32(rec + 12)
		if int64(to)+int64(tl) > int64(len(b)) || len(out)+int(tl) > len(b)+head+4*tables {
			return nil, false // out of the file, or more than the file holds
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		binary.BigEndian.PutUint32(out[12+16*t+8:], uint32(len(out)))
		out = append(out, b[to:to+tl]...)
	}
	return out, true
}

func buildGlyphBank(paths []string, chars []rune) *glyphBank {
	// One font per goroutine (a face is not safe for concurrent use), at
	// most one per core; merged in the order of paths.
	parts := make([]*glyphBank, len(paths))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			parts[i] = fontGlyphs(p, chars)
		}()
	}
	wg.Wait()
	b := &glyphBank{}
	for _, part := range parts {
		if part != nil {
			b.runes = append(b.runes, part.runes...)
			b.q = append(b.q, part.q...)
			b.scale = append(b.scale, part.scale...)
		}
	}
	if len(b.runes) == 0 {
		return nil
	}
	return b.index()
}

// fontGlyphs draws chars in the font at path; nil when it does not load.
func fontGlyphs(path string, chars []rune) *glyphBank {
	const size = 48
	f := loadFace(path)
	if f == nil {
		return nil
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	defer face.Close()
	b := &glyphBank{}
	var buf sfnt.Buffer
	dst := image.NewAlpha(image.Rect(0, 0, 2*size, 2*size))
	ink := make([]float32, len(dst.Pix))
	for _, r := range chars {
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			continue
		}
		clear(dst.Pix)
		d := &font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.P(size/4, size+size/4)}
		d.DrawString(string(r))
		for i, v := range dst.Pix {
			ink[i] = float32(v) / 255
		}
		feat, ok := glyphFeature(ink, 2*size, 2*size, 0, 2*size)
		if !ok {
			continue
		}
		q, sc := quantise(feat)
		b.runes = append(b.runes, r)
		b.q = append(b.q, q...)
		b.scale = append(b.scale, sc)
	}
	return b
}

// glyphFeature turns the ink (0..1, row-major w×h) between columns x0 and x1
// into a feature vector: the ink's bounding box scaled to fit glyphSide
// square (aspect kept, centred), smoothed, zero mean, unit length. ok is
// false when there is no ink.
func glyphFeature(ink []float32, w, h, x0, x1 int) ([]float32, bool) {
	const th = 0.35
	minX, minY, maxX, maxY := x1, h, x0-1, -1
	for y := 0; y < h; y++ {
		row := ink[y*w:]
		for x := x0; x < x1; x++ {
			if row[x] >= th {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < minX || maxY < minY {
		return nil, false
	}
	bw, bh := float64(maxX-minX+1), float64(maxY-minY+1)
	s := math.Max(bw, bh) / glyphSide // source pixels per feature pixel
	ox := float64(minX) - (s*glyphSide-bw)/2
	oy := float64(minY) - (s*glyphSide-bh)/2
	raw := make([]float32, glyphLen)
	for v := 0; v < glyphSide; v++ {
		for u := 0; u < glyphSide; u++ {
			// Area average of the source square under feature pixel (u, v).
			sx0, sy0 := ox+float64(u)*s, oy+float64(v)*s
			sx1, sy1 := sx0+s, sy0+s
			var sum, area float64
			for y := int(math.Floor(sy0)); y < int(math.Ceil(sy1)); y++ {
				if y < minY || y > maxY {
					continue
				}
				fy := math.Min(sy1, float64(y+1)) - math.Max(sy0, float64(y))
				for x := int(math.Floor(sx0)); x < int(math.Ceil(sx1)); x++ {
					if x < minX || x > maxX {
						continue
					}
					fx := math.Min(sx1, float64(x+1)) - math.Max(sx0, float64(x))
					sum += float64(ink[y*w+x]) * fx * fy
					area += fx * fy
				}
			}
			if area > 0 {
				raw[v*glyphSide+u] = float32(sum / (s * s))
			}
		}
	}
	// 3×3 binomial smoothing: small differences in stroke position between
	// fonts should not count.
	out := make([]float32, glyphLen)
	k := [3]float32{1, 2, 1}
	for v := 0; v < glyphSide; v++ {
		for u := 0; u < glyphSide; u++ {
			var sum, wsum float32
			for dv := -1; dv <= 1; dv++ {
				for du := -1; du <= 1; du++ {
					x, y := u+du, v+dv
					if x < 0 || y < 0 || x >= glyphSide || y >= glyphSide {
						continue
					}
					wt := k[du+1] * k[dv+1]
					sum += wt * raw[y*glyphSide+x]
					wsum += wt
				}
			}
			out[v*glyphSide+u] = sum / wsum
		}
	}
	var mean float32
	for _, x := range out {
		mean += x
	}
	mean /= glyphLen
	var norm float64
	for i := range out {
		out[i] -= mean
		norm += float64(out[i]) * float64(out[i])
	}
	if norm < 1e-9 {
		return nil, false
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range out {
		out[i] *= inv
	}
	return out, true
}

// glyphMatch is the bank's answer for one cell.
type glyphMatch struct {
	best, second  rune
	score, score2 float64   // cosine similarity of best and of the best other character
	scores        []float64 // per character, in the order of glyphBank.chars
	bank          *glyphBank
}

// scoreOf is r's score; ok is false for a character not in the bank.
func (m glyphMatch) scoreOf(r rune) (float64, bool) {
	i, ok := m.bank.ids[r]
	if !ok {
		return 0, false
	}
	return m.scores[i], true
}

// index numbers the bank's distinct characters (after building or reading).
func (b *glyphBank) index() *glyphBank {
	b.ids = make(map[rune]int32, 8192)
	b.cls = make([]int32, len(b.runes))
	b.chars = b.chars[:0]
	for i, r := range b.runes {
		id, ok := b.ids[r]
		if !ok {
			id = int32(len(b.chars))
			b.ids[r] = id
			b.chars = append(b.chars, r)
		}
		b.cls[i] = id
	}
	return b
}

// match scores a cell's feature against every character: the best score
// over the fonts, per character.
func (b *glyphBank) match(q []float32) glyphMatch {
	qq, qs := quantise(q)
	qq = qq[:glyphLen]
	scores := make([]float64, len(b.chars))
	for i := range scores {
		scores[i] = -2
	}
	for i, c := range b.cls {
		f := b.q[i*glyphLen : (i+1)*glyphLen : (i+1)*glyphLen]
		var d int32
		for j, x := range qq {
			d += int32(x) * int32(f[j])
		}
		if s := float64(d) * float64(qs) * float64(b.scale[i]); s > scores[c] {
			scores[c] = s
		}
	}
	m := glyphMatch{score: -2, score2: -2, scores: scores, bank: b}
	for c, s := range scores {
		switch {
		case s > m.score:
			m.second, m.score2 = m.best, m.score
			m.best, m.score = b.chars[c], s
		case s > m.score2:
			m.second, m.score2 = b.chars[c], s
		}
	}
	return m
}
