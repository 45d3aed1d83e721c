package verification

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// pinyinArgs: toneless, every reading of a polyphonic character (单 dan,
// chan, shan: as a surname it is Shan).
var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Heteronym = true
	return a
}()

// surnameReadings are the readings polyphonic characters take as surnames,
// which a dictionary may not list first (or at all).
var surnameReadings = map[rune][]string{
	'单': {"SHAN"}, '曾': {"ZENG"}, '解': {"XIE"}, '区': {"OU"}, '仇': {"QIU"}, '朴': {"PIAO"},
	'查': {"ZHA"}, '盖': {"GE"}, '华': {"HUA"}, '任': {"REN"}, '乐': {"YUE", "LE"}, '覃': {"QIN", "TAN"},
	'尉': {"YU", "WEI"}, '万': {"WAN", "MO"}, '秘': {"BI"}, '缪': {"MIAO"}, '种': {"CHONG"}, '翟': {"ZHAI"},
}

// PinyinMatch reports whether a name typed in Han characters (surname
// first, as on a Chinese document) is written by latin, a Latin reading such
// as a passport MRZ's "SURNAME GIVEN NAMES" or a printed "SURNAME, GIVEN":
// spaces, commas, hyphens and MRZ fillers are ignored (given names joined or
// split), every toneless reading of each character is tried, a surname's
// polyphonic readings (单 Shan, 曾 Zeng, 解 Xie, 区 Ou) included, and ü may be
// written V, U or YU. known is false when a character has no reading
// (outside the dictionary, or not Han): nothing can be said then.
func PinyinMatch(han, latin string) (match, known bool) {
	var want strings.Builder
	for _, r := range strings.ToUpper(latin) {
		if r >= 'A' && r <= 'Z' {
			want.WriteRune(r)
		}
	}
	target := want.String()
	var sets [][]string
	i := 0
	for _, r := range han {
		if r == '·' || r == '•' || r == '・' || unicode.IsSpace(r) {
			continue
		}
		var alts []string
		if i == 0 {
			alts = append(alts, surnameReadings[r]...)
		}
		py := pinyin.SinglePinyin(r, pinyinArgs)
		for _, p := range py {
			alts = append(alts, strings.ToUpper(p))
		}
		if len(alts) == 0 {
			return false, false
		}
		sets = append(sets, spellings(alts))
		i++
	}
	if len(sets) == 0 || target == "" {
		return false, len(sets) > 0
	}
	return spelled(sets, target), true
}

// spellings adds the ways a passport writes ü (V in the dictionary's
// output): LV, LU, LYU.
func spellings(alts []string) []string {
	out := alts
	for _, a := range alts {
		if strings.Contains(a, "V") {
			out = append(out, strings.ReplaceAll(a, "V", "U"), strings.ReplaceAll(a, "V", "YU"))
		}
	}
	return out
}

// spelled reports whether target is one choice from each set, in order.
func spelled(sets [][]string, target string) bool {
	if len(sets) == 0 {
		return target == ""
	}
	for _, s := range sets[0] {
		if strings.HasPrefix(target, s) && spelled(sets[1:], target[len(s):]) {
			return true
		}
	}
	return false
}
