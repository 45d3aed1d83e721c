package screening

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// romanTable maps Wade-Giles and Hong Kong (Cantonese) spellings of common
// Chinese surnames and syllables to their pinyin: Zhang, Chang and Cheung
// are the same 张.
var romanTable = map[string][]string{
	"chang": {"zhang"}, "cheung": {"zhang"}, "cheong": {"zhang"}, "chan": {"chen"}, "chin": {"chen"},
	"wong": {"wang", "huang"}, "vong": {"wang", "huang"}, "lee": {"li"}, "lei": {"li"}, "lau": {"liu"},
	"liew": {"liu"}, "ng": {"wu"}, "ho": {"he"}, "chow": {"zhou"}, "chou": {"zhou"}, "chau": {"zhou"},
	"tsang": {"zeng"}, "kwok": {"guo"}, "kuo": {"guo"}, "leung": {"liang"}, "yeung": {"yang"},
	"hsu": {"xu"}, "hui": {"xu"}, "tsui": {"xu", "cui"}, "tsai": {"cai"}, "choi": {"cai"},
	"lam": {"lin"}, "cheng": {"zheng"}, "chiang": {"jiang"}, "keung": {"jiang"}, "hsieh": {"xie"},
	"tse": {"xie"}, "chu": {"zhu"}, "chiu": {"zhao", "qiu"}, "chao": {"zhao"}, "kao": {"gao"},
	"ko": {"gao"}, "lo": {"luo"}, "law": {"luo"}, "mak": {"mai"}, "fung": {"feng"}, "yip": {"ye"},
	"tam": {"tan"}, "szeto": {"situ"}, "kwan": {"guan"}, "yuen": {"yuan"}, "hsiao": {"xiao"},
	"siu": {"xiao"}, "shiu": {"shao"}, "sung": {"song"}, "tung": {"dong"}, "tang": {"deng", "tang"},
	"teng": {"deng"}, "tai": {"dai"}, "pang": {"peng"}, "pao": {"bao"}, "pai": {"bai"}, "fan": {"fan"},
	"kung": {"gong"}, "kong": {"kong", "jiang"}, "yu": {"yu"}, "yue": {"yu"}, "ma": {"ma"}, "mah": {"ma"},
	"chung": {"zhong"}, "chong": {"zhong"}, "lai": {"lai"}, "loi": {"lai"}, "hung": {"hong"},
	"chen": {"chen"}, "shih": {"shi"}, "sze": {"shi"}, "jen": {"ren"}, "yam": {"ren"}, "tsao": {"cao"},
	"tso": {"cao"}, "wu": {"wu"}, "hu": {"hu"}, "woo": {"hu", "wu"}, "fu": {"fu"}, "foo": {"fu"},
	"peng": {"peng"}, "chien": {"qian"}, "tsou": {"zou"},
	"kam": {"jin"}, "kim": {"jin"}, "chi": {"qi", "ji"}, "hsin": {"xin"}, "hsiung": {"xiong"},
	"hong": {"kang", "hong"}, "ling": {"ling"}, "mok": {"mo"}, "mo": {"mo"}, "poon": {"pan"},
	"pun": {"pan"}, "sun": {"sun"}, "suen": {"sun"}, "wei": {"wei"}, "ngai": {"wei"},
}

// wadeGiles rewrites Wade-Giles spellings of syllables to pinyin ones, for
// given names not in romanTable (hsiao-hung → xiaohong, tzu → zi).
var wadeGiles = strings.NewReplacer("hs", "x", "tz", "z", "ts", "z", "ung", "ong", "ih", "i", "ieh", "ie",
	"ch", "zh", "k", "g", "p", "b", "t", "d", "eung", "ang")

// romanKeys returns the pinyin a token may stand for.
func romanKeys(t string) []string {
	if r, ok := romanTable[t]; ok {
		return r
	}
	return nil
}

// romanClose reports whether a and b are romanisations of the same syllables.
func romanClose(a, b string) bool {
	ka, kb := romanKeys(a), romanKeys(b)
	if len(ka) == 0 && len(kb) == 0 { // neither is a known romanisation
		return false
	}
	if len(ka) == 0 {
		ka = []string{a}
	}
	if len(kb) == 0 {
		kb = []string{b}
	}
	for _, x := range ka {
		for _, y := range kb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// phonetic is a consonant-skeleton key: similar-sounding spellings
// (Mohammed, Muhammad, Mohamad) share it.
func phonetic(t string) string {
	if t == "" {
		return ""
	}
	var b []byte
	var prev byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= 0x80 {
			return "" // not Latin
		}
		var next byte
		if i+1 < len(t) {
			next = t[i+1]
		}
		var k byte
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y', 'w', 'h':
			if i == 0 {
				k = 'A'
			}
		case 'b', 'p':
			k = 'B'
			if c == 'p' && next == 'h' {
				k = 'F'
			}
		case 'f', 'v':
			k = 'F'
		case 'c', 'k', 'q', 'g':
			k = 'K'
			if c == 'c' && (next == 'e' || next == 'i' || next == 'y') {
				k = 'S'
			}
			if c == 'c' && next == 'h' {
				k = 'J'
			}
		case 'j':
			k = 'J'
		case 's', 'z', 'x':
			k = 'S'
			if c == 's' && next == 'h' {
				k = 'J'
			}
		case 'd', 't':
			k = 'D'
		case 'l':
			k = 'L'
		case 'r':
			k = 'R'
		case 'm', 'n':
			k = 'M'
		default:
			k = c
		}
		if k != 0 && k != prev {
			b = append(b, k)
		}
		if k != 0 {
			prev = k
		} else if c != 'h' {
			prev = 0
		}
	}
	return string(b)
}

// jaroWinkler is the Jaro-Winkler similarity of a and b.
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	if ascii(a) && ascii(b) {
		return jwBytes(a, b)
	}
	ra, rb := []rune(a), []rune(b)
	if !utf8.ValidString(a) || len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	la, lb := len(ra), len(rb)
	win := max(la, lb)/2 - 1
	if win < 0 {
		win = 0
	}
	var ma, mb [64]bool
	if la > 64 || lb > 64 {
		return 0
	}
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-win), min(lb, i+win+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	tr, j := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if ra[i] != rb[j] {
			tr++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(tr)/2)/fm) / 3
	p := 0
	for p < min(4, la, lb) && ra[p] == rb[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// tokInfo is a token with its keys computed once.
type tokInfo struct {
	t, wg, ph string
	roman     []string
}

func info(t string) tokInfo {
	ti := tokInfo{t: t, roman: romanKeys(t)}
	if len(t) >= 4 && ascii(t) {
		ti.wg, ti.ph = wadeGiles.Replace(t), phonetic(t)
	}
	return ti
}

// tokenSim scores two tokens in [0,1] and says how they matched.
func tokenSim(q, n string) (float64, string) {
	a, b := info(q), info(n)
	return tokenSimInfo(&a, &b)
}

func romanCloseInfo(a, b *tokInfo) bool {
	if a.roman == nil && b.roman == nil {
		return false
	}
	if a.roman == nil {
		return contains(b.roman, a.t)
	}
	if b.roman == nil {
		return contains(a.roman, b.t)
	}
	for _, x := range a.roman {
		if contains(b.roman, x) {
			return true
		}
	}
	return false
}

func tokenSimInfo(a, b *tokInfo) (float64, string) {
	q, n := a.t, b.t
	if q == n {
		return 1, "exact"
	}
	if romanCloseInfo(a, b) {
		return 0.95, "romanisation"
	}
	lq, ln := len(q), len(n)
	if lq == 1 || ln == 1 {
		if q[0] == n[0] {
			return 0.7, "initial"
		}
		return 0, "none"
	}
	if a.wg != "" && a.wg == b.wg {
		return 0.92, "romanisation"
	}
	if lq > 2*ln+1 || ln > 2*lq+1 {
		return 0, "none" // too different in length to be a typo
	}
	s := jaroWinkler(q, n)
	how := "fuzzy"
	// One typo (a letter changed, dropped, added or two swapped) in a
	// long token is more alike than Jaro-Winkler says.
	if min(lq, ln) >= 5 && s < 0.94 && osa1(q, n) {
		s = 0.94
	}
	if min(lq, ln) <= 3 {
		s -= 0.12 // short tokens: one letter is a different name
	} else if s < 0.84 && a.ph != "" && q[0] == n[0] && a.ph == b.ph {
		s, how = 0.84, "phonetic"
	}
	if s < 0.75 {
		return 0, "none"
	}
	return s, how
}

// weight of a token in a name: long tokens say more than short ones.
func weight(t string) float64 {
	n := len(t)
	if n > 8 {
		n = 8
	}
	return float64(n) + 2
}

type pair struct {
	qi, qn, ni, nn int // query tokens [qi,qi+qn), name tokens [ni,ni+nn)
	s              float64
	how            string
}

// align matches query tokens to name tokens one-to-one (or a token to two
// adjacent ones written together: xiaohong / xiao hong), best pairs first,
// and returns the name score with its token explanation.
func align(q, n []string, explain bool) (float64, []TokenMatch, []string) {
	return alignWith(q, n, nil, nil, nil, nil, explain)
}

// simMemo caches token similarities within one query.
type simMemo map[[2]int32]simVal

type simVal struct {
	s   float32
	how string
}

func alignWith(q, n []string, qi []tokInfo, nv []int32, vi []tokInfo, memo simMemo, explain bool) (float64, []TokenMatch, []string) {
	if len(q) == 0 || len(n) == 0 {
		return 0, nil, nil
	}
	var buf [48]pair
	ps := buf[:0]
	for i, a := range q {
		for j, b := range n {
			var s float64
			var how string
			if memo != nil && nv != nil {
				k := [2]int32{int32(i), nv[j]}
				v, ok := memo[k]
				if !ok {
					s, how = tokenSimInfo(&qi[i], &vi[nv[j]])
					v = simVal{float32(s), how}
					memo[k] = v
				}
				s, how = float64(v.s), v.how
			} else {
				s, how = tokenSim(a, b)
			}
			if s > 0 {
				ps = append(ps, pair{i, 1, j, 1, s, how})
			}
		}
	}
	// Joined tokens, exactly or nearly.
	for i := range q {
		for j := 0; j+1 < len(n); j++ {
			if l := len(n[j]) + len(n[j+1]); len(q[i]) >= 4 && l-1 <= len(q[i]) && len(q[i]) <= l+1 {
				for _, c := range []string{n[j] + n[j+1], n[j+1] + n[j]} {
					if s := joinedSim(q[i], c); s > 0 {
						ps = append(ps, pair{i, 1, j, 2, s, "joined"})
						break
					}
				}
			}
		}
	}
	for j := range n {
		if len(n[j]) < 4 {
			continue
		}
		for i := 0; i+1 < len(q); i++ {
			if l := len(q[i]) + len(q[i+1]); l-1 > len(n[j]) || len(n[j]) > l+1 {
				continue
			}
			for _, c := range []string{q[i] + q[i+1], q[i+1] + q[i]} {
				if s := joinedSim(c, n[j]); s > 0 {
					ps = append(ps, pair{i, 2, j, 1, s, "joined"})
					break
				}
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(b.s, a.s) })
	var qused, nused [32]bool
	if len(q) > 32 || len(n) > 32 {
		return 0, nil, nil
	}
	var qw, nw, qs, ns float64
	for _, t := range q {
		qw += weight(t)
	}
	for _, t := range n {
		nw += weight(t)
	}
	var tm []TokenMatch
	matchedQ := 0
	for _, p := range ps {
		free := true
		for k := p.qi; k < p.qi+p.qn; k++ {
			free = free && !qused[k]
		}
		for k := p.ni; k < p.ni+p.nn; k++ {
			free = free && !nused[k]
		}
		if !free {
			continue
		}
		c := credit(p.s)
		for k := p.qi; k < p.qi+p.qn; k++ {
			qused[k] = true
			qs += c * weight(q[k])
			matchedQ++
		}
		for k := p.ni; k < p.ni+p.nn; k++ {
			nused[k] = true
			ns += c * weight(n[k])
		}
		if explain {
			tm = append(tm, TokenMatch{Query: strings.Join(q[p.qi:p.qi+p.qn], " "),
				Listed: strings.Join(n[p.ni:p.ni+p.nn], " "), Score: round(p.s), How: p.how})
		}
	}
	cq, cn := qs/qw, ns/nw
	score := cq * (0.75 + 0.25*cn)
	// One matching token is not a name (a shared surname, "Haq" of
	// "Abdul Haq"), unless the name is that one token.
	if matchedQ < 2 && len(n) > 1 {
		score = min(score, 0.7)
	}
	var unmatched []string
	if explain {
		for i, t := range q {
			if !qused[i] {
				tm = append(tm, TokenMatch{Query: t, How: "none"})
			}
		}
		for j, t := range n {
			if !nused[j] {
				unmatched = append(unmatched, t)
			}
		}
	}
	return score, tm, unmatched
}

// credit is how much of a token a similarity counts for: a near miss
// (0.8) is mostly a different name, a typo (0.95) mostly the same.
func credit(s float64) float64 {
	if s >= 1 {
		return 1
	}
	return max(0, (s-0.7)/0.3)
}

func joinedSim(a, b string) float64 {
	if a == b {
		return 1
	}
	if len(a) >= 6 && len(b) >= 6 {
		if s := jaroWinkler(a, b); s >= 0.93 {
			return s
		}
	}
	return 0
}

func round(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// jwBytes is jaroWinkler for ASCII strings, without allocating.
func jwBytes(ra, rb string) float64 {
	la, lb := len(ra), len(rb)
	if la == 0 || lb == 0 || la > 64 || lb > 64 {
		return 0
	}
	win := max(max(la, lb)/2-1, 0)
	var ma, mb [64]bool
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-win), min(lb, i+win+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	tr, j := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if ra[i] != rb[j] {
			tr++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(tr)/2)/fm) / 3
	p := 0
	for p < min(4, la, lb) && ra[p] == rb[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// osa1 reports whether a and b are one edit apart (substitution,
// insertion, deletion or transposition of neighbours).
func osa1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	la, lb := len(a), len(b)
	if lb-la > 1 {
		return false
	}
	i := 0
	for i < la && a[i] == b[i] {
		i++
	}
	if i == la {
		return lb-la == 1
	}
	if la == lb {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:] // deletion
}
