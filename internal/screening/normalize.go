package screening

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// stopTokens are company suffixes and particles that say nothing about
// who a name is.
var stopTokens = map[string]bool{
	"ltd": true, "limited": true, "llc": true, "inc": true, "incorporated": true, "corp": true,
	"corporation": true, "co": true, "company": true, "plc": true, "gmbh": true, "ag": true,
	"sa": true, "sarl": true, "srl": true, "spa": true, "bv": true, "nv": true, "de": true, "cv": true,
	"sas": true, "sac": true, "jsc": true, "ojsc": true, "pjsc": true, "cjsc": true, "ooo": true,
	"zao": true, "oao": true, "pte": true, "pty": true, "lp": true, "llp": true, "fze": true,
	"fzco": true, "fzc": true, "the": true, "and": true, "of": true, "mr": true, "mrs": true,
	"dr": true, "haji": false,
}

// pinyinArgs: toneless readings, every reading of polyphonic characters.
var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Heteronym = true
	return a
}()

// surnameReadings are readings polyphonic characters take as surnames that
// go-pinyin does not give first (or at all).
var surnameReadings = map[rune]string{
	'单': "shan", '曾': "zeng", '解': "xie", '区': "ou", '仇': "qiu", '朴': "piao",
	'查': "zha", '盖': "ge", '华': "hua", '任': "ren", '乐': "yue", '覃': "qin",
	'尉': "yu", '秘': "bi", '缪': "miao", '种': "chong", '翟': "zhai", '长': "chang",
	'重': "chong", '石': "shi", '沈': "shen", '薄': "bo", '繁': "po",
}

// compoundSurnames are two-character surnames.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "上官": true, "诸葛": true, "东方": true, "皇甫": true,
	"尉迟": true, "公孙": true, "慕容": true, "司徒": true, "夏侯": true, "令狐": true,
	"宇文": true, "长孙": true, "端木": true, "南宫": true, "西门": true, "独孤": true,
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// hasHan reports whether s contains a Han character.
func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

// fold lowercases s, strips accents and turns every character that is not
// a letter or digit into a space. Han characters are kept.
func fold(s string) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '\'' || r == '’' || r == '`' || r == 'ʻ' || r == 'ʼ':
			continue // O'Brien → obrien, Ma'ruf → maruf
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			switch r {
			case 'ß':
				b.WriteString("ss")
			case 'ø', 'Ø':
				b.WriteByte('o')
			case 'ł', 'Ł':
				b.WriteByte('l')
			case 'đ', 'Đ':
				b.WriteByte('d')
			case 'æ', 'Æ':
				b.WriteString("ae")
			case 'ı':
				b.WriteByte('i')
			default:
				b.WriteRune(unicode.ToLower(r))
			}
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// tokens splits a name into normalised tokens, without stop tokens (unless
// nothing else is left). "SURNAME, Given" order needs nothing: matching
// aligns tokens in any order.
func tokens(name string) []string {
	f := fold(name)
	all := strings.Fields(f)
	out := make([]string, 0, len(all))
	for _, t := range all {
		if !stopTokens[t] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// hanReadings returns the Latin readings of a name written in Han
// characters, surname first: each is [surname, given] with the given name's
// syllables joined (王小红 → wang xiaohong). Polyphonic characters give
// several readings (at most max).
func hanReadings(name string, max int) [][]string {
	var han []rune
	for _, r := range name {
		if isHan(r) {
			han = append(han, r)
		}
	}
	if len(han) == 0 {
		return nil
	}
	n := 1
	if len(han) >= 3 && compoundSurnames[string(han[:2])] {
		n = 2
	}
	syll := make([][]string, len(han))
	for i, r := range han {
		var alts []string
		if i < n {
			if s, ok := surnameReadings[r]; ok {
				alts = append(alts, s)
			}
		}
		for _, p := range pinyin.SinglePinyin(r, pinyinArgs) {
			p = strings.ReplaceAll(fold(p), "ü", "u")
			if p != "" && !contains(alts, p) {
				alts = append(alts, p)
			}
		}
		if len(alts) == 0 {
			return nil
		}
		if i < n && len(alts) > 1 && surnameReadings[r] != "" {
			alts = alts[:1] // a surname reads as a surname
		}
		if len(alts) > 2 {
			alts = alts[:2]
		}
		syll[i] = alts
	}
	// Cartesian product, bounded.
	combos := [][]string{{}}
	for _, alts := range syll {
		var next [][]string
		for _, c := range combos {
			for _, a := range alts {
				if len(next) >= max {
					break
				}
				next = append(next, append(append([]string(nil), c...), a))
			}
		}
		combos = next
	}
	out := make([][]string, 0, len(combos))
	for _, c := range combos {
		sur := strings.Join(c[:n], "")
		if len(c) == n {
			out = append(out, []string{sur})
			continue
		}
		out = append(out, []string{sur, strings.Join(c[n:], "")})
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
