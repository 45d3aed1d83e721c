package idrules

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MiddleDot is the separator used in transliterated Chinese names of
// ethnic minorities and foreigners (GB/T 15834 间隔号).
const MiddleDot = '·'

// MaxNameLength is the longest name (in characters, after normalisation)
// that CheckName accepts.
const MaxNameLength = 64

// dotVariants are characters customers type, or IMEs produce, for the
// middle dot. (U+0387 and U+FF65 are already folded by NFKC.)
var dotVariants = map[rune]bool{
	'\u0387': true, '\u2022': true, '\u2024': true, '\u2027': true, '\u2219': true,
	'\u22C5': true, '\u25CF': true, '\u25E6': true, '\u2981': true, '\u2E31': true,
	'\u2E33': true, '\u30FB': true, '\uFF65': true, '\u318D': true, '\uA78F': true,
	'\u1427': true, '\u16EB': true, '\u00B7': true,
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// NormalizeName returns the canonical form of a personal name: Unicode NFKC
// (which also turns full-width letters and spaces into their ordinary
// forms), every middle-dot look-alike turned into U+00B7, a full stop
// between two Chinese characters taken as the middle dot, typographic
// apostrophes and dashes turned into ASCII, invisible characters removed
// (zero-width ones and bidirectional controls such as U+202E), white space collapsed to single spaces, and no space next to a middle dot
// or between two Chinese characters.
func NormalizeName(s string) string {
	s = norm.NFKC.String(s)
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF' || r == '\u00AD', IsBidiControl(r):
			// Invisible, pasted along from other apps: dropped. Bidi
			// controls too, so that a name never displays otherwise
			// than it is stored (U+202E).
			continue
		case dotVariants[r]:
			r = MiddleDot
		case r == '\u2018' || r == '\u2019' || r == '\u02BC' || r == '`' || r == '\u00B4':
			r = '\''
		case r >= '\u2010' && r <= '\u2015', r == '\u2212':
			r = '-'
		case unicode.IsSpace(r):
			r = ' '
		}
		rs = append(rs, r)
	}
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		if r == ' ' {
			// Keep one space only between two non-Chinese, non-dot characters.
			if len(out) == 0 || out[len(out)-1] == ' ' || out[len(out)-1] == MiddleDot {
				continue
			}
			next := nextNonSpace(rs, i)
			if next == 0 || next == MiddleDot || (isHan(out[len(out)-1]) && isHan(next)) {
				continue
			}
		}
		if (r == '.' || r == '\u3002') && len(out) > 0 && isHan(out[len(out)-1]) && isHan(nextNonSpace(rs, i)) {
			r = MiddleDot
		}
		out = append(out, r)
	}
	return string(out)
}

func nextNonSpace(rs []rune, i int) rune {
	for _, r := range rs[i+1:] {
		if r != ' ' {
			return r
		}
	}
	return 0
}

// Name scripts reported by CheckName.
const (
	ScriptHan   = "han"
	ScriptLatin = "latin"
	ScriptOther = "other"
	ScriptMixed = "mixed"
)

// Name is a checked personal name.
type Name struct {
	Normalized string `json:"normalized"`
	Script     string `json:"script"` // ScriptHan, ScriptLatin, ScriptOther or ScriptMixed
	Length     int    `json:"length"` // characters in Normalized
}

// CheckName normalises a name and checks that it is plausible: a Chinese
// name is at least two Han characters (any CJK extension plane), optionally
// in parts joined by single middle dots; other names are letters of one
// script with single spaces, hyphens, apostrophes and full stops; nothing
// else (digits, symbols, emoji) is allowed, and at most MaxNameLength
// characters.
func CheckName(s string) (Name, []Reason) {
	n := Name{Normalized: NormalizeName(s)}
	rs := []rune(n.Normalized)
	n.Length = len(rs)
	if n.Length == 0 {
		return n, []Reason{newReason(CodeNameEmpty, "name")}
	}
	var reasons []Reason
	if n.Length > MaxNameLength {
		reasons = append(reasons, newReason(CodeNameTooLong, "name", "n", strconv.Itoa(n.Length), "want", strconv.Itoa(MaxNameLength)))
	}
	han, latin, other, dots := 0, 0, 0, 0
	for i, r := range rs {
		switch {
		case isHan(r):
			han++
		case unicode.In(r, unicode.Latin) && unicode.IsLetter(r):
			latin++
		case unicode.IsLetter(r):
			other++
		case unicode.Is(unicode.Mn, r) && i > 0 && unicode.IsLetter(rs[i-1]):
		case r == MiddleDot:
			dots++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return n, append(reasons, newReason(CodeNameCharacter, "name", "pos", strconv.Itoa(i+1), "char", showRune(r)))
		}
	}
	switch {
	case han > 0 && latin+other > 0:
		n.Script = ScriptMixed
		reasons = append(reasons, newReason(CodeNameMixedScript, "name"))
	case han > 0:
		n.Script = ScriptHan
		if han < 2 {
			reasons = append(reasons, newReason(CodeNameTooShort, "name"))
		}
	case latin > 0 && other > 0:
		n.Script = ScriptMixed
		reasons = append(reasons, newReason(CodeNameMixedScript, "name"))
	case latin > 0:
		n.Script = ScriptLatin
	case other > 0:
		n.Script = ScriptOther
	default:
		// Only separators: report the first one.
		return n, append(reasons, newReason(CodeNameCharacter, "name", "pos", "1", "char", string(rs[0])))
	}
	if dots > 0 && (rs[0] == MiddleDot || rs[len(rs)-1] == MiddleDot || strings.Contains(n.Normalized, "··")) {
		reasons = append(reasons, newReason(CodeNameDot, "name"))
	}
	return n, reasons
}

// Name difference kinds.
const (
	DiffMissing   = "missing"   // a character of the expected name is not in the typed one
	DiffExtra     = "extra"     // the typed name has a character the expected one has not
	DiffDifferent = "different" // a character was replaced by another
)

// NameDiff is one difference between an expected and a typed name.
// Position is 1-based, in the expected name for missing and different
// characters and in the typed name for extra ones.
type NameDiff struct {
	Kind     string `json:"kind"`
	Position int    `json:"position"`
	Expected string `json:"expected,omitempty"`
	Typed    string `json:"typed,omitempty"`
}

// NameComparison is the result of CompareNames.
type NameComparison struct {
	Match    bool       `json:"match"`
	Expected string     `json:"expected"` // normalised
	Typed    string     `json:"typed"`    // normalised
	Diffs    []NameDiff `json:"diffs"`
	Reasons  []Reason   `json:"reasons"`
}

// maxCompareRunes bounds the alignment work (quadratic in the length).
const maxCompareRunes = 256

// CompareNames compares the name a customer typed with the name on their
// document (both normalised first; Latin letters compared without regard to
// case). When they differ it aligns them character by character (minimum
// edit distance) and reports each missing, extra or different character
// with its position, so the customer can be told precisely what to fix. A
// Latin name whose words are right but in another order is reported as
// NAME_ORDER.
func CompareNames(expected, typed string) NameComparison {
	c := NameComparison{Expected: NormalizeName(expected), Typed: NormalizeName(typed), Diffs: []NameDiff{}, Reasons: []Reason{}}
	if c.Typed == "" {
		c.Reasons = append(c.Reasons, newReason(CodeNameEmpty, "name"))
		return c
	}
	e, t := strings.ToUpper(c.Expected), strings.ToUpper(c.Typed)
	if e == t {
		c.Match = true
		return c
	}
	if sameWords(e, t) {
		c.Reasons = append(c.Reasons, newReason(CodeNameOrder, "name"))
		return c
	}
	er, tr := []rune(e), []rune(t)
	eo, to := []rune(c.Expected), []rune(c.Typed)
	if len(er) != len(eo) || len(tr) != len(to) { // upper-casing changed lengths (rare scripts)
		er, tr = eo, to
	}
	if len(er) > maxCompareRunes || len(tr) > maxCompareRunes {
		n := max(len(tr), len(er))
		c.Reasons = append(c.Reasons, newReason(CodeNameTooLong, "name", "n", strconv.Itoa(n), "want", strconv.Itoa(maxCompareRunes)))
		return c
	}
	c.Diffs = align(er, tr, eo, to)
	if len(c.Diffs) == 1 {
		d := c.Diffs[0]
		pos := strconv.Itoa(d.Position)
		switch d.Kind {
		case DiffMissing:
			c.Reasons = append(c.Reasons, newReason(CodeNameMissing, "name", "pos", pos, "expected", show(d.Expected)))
		case DiffExtra:
			c.Reasons = append(c.Reasons, newReason(CodeNameExtra, "name", "pos", pos, "typed", show(d.Typed)))
		default:
			c.Reasons = append(c.Reasons, newReason(CodeNameDifferent, "name", "pos", pos, "expected", show(d.Expected), "typed", show(d.Typed)))
		}
	} else {
		c.Reasons = append(c.Reasons, newReason(CodeNameMismatch, "name", "n", strconv.Itoa(len(c.Diffs))))
	}
	return c
}

// show makes an invisible character visible in a message.
func show(s string) string {
	if s == " " {
		return "␠"
	}
	return s
}

func sameWords(a, b string) bool {
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa) < 2 || len(wa) != len(wb) {
		return false
	}
	sort.Strings(wa)
	sort.Strings(wb)
	for i := range wa {
		if wa[i] != wb[i] {
			return false
		}
	}
	return true
}

// align computes a minimum edit-distance alignment of e (expected) and t
// (typed), compared as given, and reports the differences using the
// original characters eo and to.
func align(e, t, eo, to []rune) []NameDiff {
	n, m := len(e), len(t)
	w := m + 1
	d := make([]int32, (n+1)*w)
	for i := 0; i <= n; i++ {
		d[i*w] = int32(i)
	}
	for j := 0; j <= m; j++ {
		d[j] = int32(j)
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := int32(1)
			if e[i-1] == t[j-1] {
				cost = 0
			}
			d[i*w+j] = min(d[(i-1)*w+j-1]+cost, d[(i-1)*w+j]+1, d[i*w+j-1]+1)
		}
	}
	var diffs []NameDiff
	i, j := n, m
	// Walk back along an optimal path. Gaps are preferred to matches when
	// both are optimal, so that in a run of equal characters ("SS") the
	// last one is reported missing, which is how people count.
	for i > 0 || j > 0 {
		cur := d[i*w+j]
		switch {
		case i > 0 && cur == d[(i-1)*w+j]+1 && (j == 0 || e[i-1] == t[j-1] || cur != d[(i-1)*w+j-1]+1):
			diffs = append(diffs, NameDiff{Kind: DiffMissing, Position: i, Expected: string(eo[i-1])})
			i--
		case j > 0 && cur == d[i*w+j-1]+1 && (i == 0 || e[i-1] == t[j-1] || cur != d[(i-1)*w+j-1]+1):
			diffs = append(diffs, NameDiff{Kind: DiffExtra, Position: j, Typed: string(to[j-1])})
			j--
		case e[i-1] == t[j-1]:
			i, j = i-1, j-1
		default:
			diffs = append(diffs, NameDiff{Kind: DiffDifferent, Position: i, Expected: string(eo[i-1]), Typed: string(to[j-1])})
			i, j = i-1, j-1
		}
	}
	for l, r := 0, len(diffs)-1; l < r; l, r = l+1, r-1 {
		diffs[l], diffs[r] = diffs[r], diffs[l]
	}
	return diffs
}
