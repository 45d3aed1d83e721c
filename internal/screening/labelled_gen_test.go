package screening

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mozillazg/go-pinyin"
)

var updateLabelled = flag.Bool("update-labelled", false, "regenerate testdata/labelled.tsv from the test lists")

// commonHan are characters common in given names, preferred when writing a
// pinyin syllable in Han characters.
const commonHan = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文红兰玉金海云林小晓东春梅立新宇辉鹏飞斌宁波亮成龙晨雪琳婷慧佳俊浩然子轩博思雨欣怡嘉诗涵梓一天德福生荣庆祥安永昌兴民忠义仁礼信智光耀宏远鸿振威武彬峰山川江河泉松柏清芬凤翠珍琴燕萍雯莉倩颖璐瑶琪薇晶君中正长家友良学胜利发军喜顺和亚万达昆仲伦宝贵守玲桃元开贤才华良宽道敬鑫凯豪旭阳"

// surnameHan writes common Chinese surnames.
var surnameHan = map[string]string{"wang": "王", "li": "李", "zhang": "张", "liu": "刘", "chen": "陈", "yang": "杨",
	"huang": "黄", "zhao": "赵", "wu": "吴", "zhou": "周", "xu": "徐", "sun": "孙", "ma": "马", "zhu": "朱", "hu": "胡",
	"guo": "郭", "he": "何", "gao": "高", "lin": "林", "luo": "罗", "zheng": "郑", "liang": "梁", "xie": "谢", "song": "宋",
	"tang": "唐", "han": "韩", "feng": "冯", "deng": "邓", "cao": "曹", "peng": "彭", "zeng": "曾", "xiao": "肖", "tian": "田",
	"dong": "董", "pan": "潘", "yuan": "袁", "cai": "蔡", "jiang": "蒋", "yu": "余", "du": "杜", "ye": "叶", "cheng": "程",
	"wei": "魏", "su": "苏", "lu": "卢", "ding": "丁", "ren": "任", "shen": "沈", "yao": "姚", "jin": "金", "fang": "方",
	"shi": "石", "qiu": "邱", "hou": "侯", "bai": "白", "cui": "崔", "kang": "康", "mao": "毛", "qin": "秦", "jia": "贾",
	"xue": "薛", "lei": "雷", "long": "龙", "duan": "段", "hao": "郝", "kong": "孔", "shao": "邵", "meng": "孟", "gu": "顾",
	"qian": "钱", "yin": "尹", "yan": "严", "lai": "赖", "gong": "龚", "tan": "谭", "fan": "范", "fu": "付", "pang": "庞",
	"xiong": "熊", "qi": "齐", "bao": "鲍", "zou": "邹", "wen": "温", "ji": "季", "yi": "易", "shan": "单", "ou": "区"}

var westernGiven = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley
Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah
Emma Olivia Sophie Lukas Felix Hannah Pierre Camille Giulia Marco Lars Ingrid Sven Anneliese Joao Beatriz Tomasz Agnieszka`)

var westernFamily = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Mueller
Schmidt Schneider Fischer Weber Meyer Wagner Becker Dubois Lefebvre Moreau Rossi Russo Ferrari Esposito Bianchi Jansen Visser
Kowalski Nowak Wisniewski Silva Santos Oliveira Pereira Lindqvist Johansson Andersson Nilsson Hansen Larsen Novak Horvat`)

// syllableHan maps each pinyin syllable to one character that reads so.
func syllableHan(t testing.TB) map[string]string {
	m := map[string]string{}
	args := pinyin.NewArgs()
	for _, r := range commonHan {
		if p := pinyin.SinglePinyin(r, args); len(p) > 0 && m[p[0]] == "" {
			m[p[0]] = string(r)
		}
	}
	b, err := os.ReadFile("../ocr/data/tghz2013.txt")
	if err != nil {
		t.Fatal(err)
	}
	ah := pinyin.NewArgs()
	ah.Heteronym = true
	for _, r := range string(b) {
		if !isHan(r) {
			continue
		}
		if p := pinyin.SinglePinyin(r, ah); len(p) == 1 && m[p[0]] == "" {
			m[p[0]] = string(r)
		}
	}
	return m
}

// segment splits a joined pinyin given name into syllables.
func segment(s string, syl map[string]string) []string {
	if s == "" {
		return []string{}
	}
	for l := min(6, len(s)); l >= 1; l-- {
		if syl[s[:l]] != "" {
			if rest := segment(s[l:], syl); rest != nil {
				return append([]string{s[:l]}, rest...)
			}
		}
	}
	return nil
}

// hanOf writes a "SURNAME, Given" pinyin name in Han characters, or "".
func hanOf(name string, syl map[string]string) string {
	sur, given, ok := strings.Cut(name, ",")
	if !ok {
		return ""
	}
	st := tokens(sur)
	gt := tokens(given)
	if len(st) != 1 || len(gt) == 0 || len(gt) > 2 {
		return ""
	}
	sh := surnameHan[st[0]]
	if sh == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(sh)
	n := 0
	for _, g := range gt {
		seg := segment(g, syl)
		if seg == nil {
			return ""
		}
		for _, s := range seg {
			b.WriteString(syl[s])
			n++
		}
	}
	if n == 0 || n > 2 {
		return ""
	}
	return b.String()
}

type labelled struct {
	ID, Kind, Split, Name, DOB, Nat, Want string
}

func typo(r *rand.Rand, tok string) string {
	b := []byte(tok)
	i := 1 + r.IntN(len(b)-2)
	switch r.IntN(3) {
	case 0: // substitute
		c := byte('a' + r.IntN(26))
		for c == b[i] {
			c = byte('a' + r.IntN(26))
		}
		b[i] = c
	case 1: // transpose
		b[i], b[i+1] = b[i+1], b[i]
		if b[i] == b[i+1] {
			b[i] = 'x'
		}
	default: // delete
		b = append(b[:i], b[i+1:]...)
	}
	return string(b)
}

func fullDOB(e *Entity) string {
	for _, d := range e.BirthDates {
		if len(d) == 10 {
			return d
		}
	}
	return ""
}

func TestGenerateLabelled(t *testing.T) {
	if !*updateLabelled {
		t.Skip("run with -update-labelled to regenerate testdata/labelled.tsv")
	}
	ents, ix := testLists(t)
	r := rand.New(rand.NewPCG(2026, 13))
	syl := syllableHan(t)
	var out []labelled
	add := func(kind, name, dob, nat, want string) {
		out = append(out, labelled{Kind: kind, Name: name, DOB: dob, Nat: nat, Want: want})
	}
	key := func(e *Entity) string { return e.List + ":" + e.ID }
	latin := func(s string) bool { return !hasHan(s) && ascii(strings.ToLower(fold(s))) }
	perm := r.Perm(len(ents))
	var persons, all []*Entity
	for _, i := range perm {
		e := ents[i]
		if !latin(e.Names[0]) || len(tokens(e.Names[0])) < 2 {
			continue
		}
		all = append(all, e)
		if e.Kind == KindPerson {
			persons = append(persons, e)
		}
	}
	// Exact primary names: persons and organisations.
	for _, e := range all[:150] {
		add("exact", e.Names[0], "", "", key(e))
	}
	n := 0
	for _, e := range all[150:] {
		if n == 100 {
			break
		}
		var al []string
		for _, a := range e.Names[1:] {
			if latin(a) && len(tokens(a)) >= 2 {
				al = append(al, a)
			}
		}
		if len(al) > 0 {
			add("alias", al[r.IntN(len(al))], "", "", key(e))
			n++
		}
	}
	// Typos, dropped and swapped tokens: persons, some with the date of birth.
	n = 0
	for _, e := range persons[:400] {
		if n == 120 {
			break
		}
		toks := tokens(e.Names[0])
		var long []int
		for i, tk := range toks {
			if len(tk) >= 5 {
				long = append(long, i)
			}
		}
		if len(long) == 0 {
			continue
		}
		i := long[r.IntN(len(long))]
		toks[i] = typo(r, toks[i])
		dob := ""
		if n%3 == 0 {
			dob = fullDOB(e)
		}
		add("typo", strings.Join(toks, " "), dob, "", key(e))
		n++
	}
	n = 0
	for _, e := range persons[400:] {
		if n == 80 {
			break
		}
		toks := tokens(e.Names[0])
		if len(toks) < 3 {
			continue
		}
		// "SURNAME, Given Middle": drop the last given name (a middle name).
		toks = slices.Delete(toks, len(toks)-1, len(toks))
		add("dropped", strings.Join(toks, " "), "", "", key(e))
		n++
	}
	n = 0
	for _, e := range persons[500:] {
		if n == 80 {
			break
		}
		sur, given, ok := strings.Cut(e.Names[0], ",")
		if !ok {
			continue
		}
		add("swapped", strings.TrimSpace(given)+" "+strings.TrimSpace(sur), "", "", key(e))
		n++
	}
	// Listed Chinese individuals typed in Han characters.
	hanListed := map[string]bool{}
	for _, e := range ents {
		if e.Kind != KindPerson {
			continue
		}
		for _, nm := range e.Names {
			if h := hanOf(nm, syl); h != "" && !hanListed[h] {
				hanListed[h] = true
				dob := ""
				if r.IntN(2) == 0 {
					dob = fullDOB(e)
				}
				add("han", h, dob, "", key(e))
				break
			}
		}
	}
	positives := len(out)
	// Controls: western names not on the lists.
	listedKeys := map[string]bool{}
	for _, nr := range ix.names {
		k := slices.Clone(nr.toks)
		sort.Strings(k)
		listedKeys[strings.Join(k, " ")] = true
	}
	isListed := func(name string) bool {
		for _, f := range nameForms(name) {
			k := slices.Clone(f)
			sort.Strings(k)
			if listedKeys[strings.Join(k, " ")] {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	for n := 0; n < positives/2; {
		name := westernGiven[r.IntN(len(westernGiven))] + " " + westernFamily[r.IntN(len(westernFamily))]
		if r.IntN(4) == 0 {
			name += " " + westernFamily[r.IntN(len(westernFamily))]
		}
		if seen[name] || isListed(name) {
			continue
		}
		seen[name] = true
		dob := ""
		if r.IntN(2) == 0 {
			dob = fmt.Sprintf("%04d-%02d-%02d", 1950+r.IntN(55), 1+r.IntN(12), 1+r.IntN(28))
		}
		add("control", name, dob, "", "-")
		n++
	}
	// Common Chinese names in Han characters; where one reads like a listed
	// name it carries a date of birth other than the listed one's.
	surs := make([]string, 0, len(surnameHan))
	for _, v := range surnameHan {
		surs = append(surs, v)
	}
	sort.Strings(surs)
	given := []rune(commonHan)
	for n := 0; n < positives/2+20; {
		name := surs[r.IntN(len(surs))] + string(given[r.IntN(len(given))])
		if r.IntN(3) > 0 {
			name += string(given[r.IntN(len(given))])
		}
		if seen[name] || hanListed[name] {
			continue
		}
		seen[name] = true
		dob := fmt.Sprintf("%04d-%02d-%02d", 1950+r.IntN(55), 1+r.IntN(12), 1+r.IntN(28))
		kind := "control_han"
		if hs := ix.Search(Query{Name: name, MinScore: 0.8}); len(hs) > 0 {
			kind = "control_han_listed_pinyin"
			// Make sure the date differs from every listed one by years.
			for _, h := range hs {
				for _, d := range h.entity.BirthDates {
					if len(d) >= 4 && absYear(d[:4], dob[:4]) < 3 {
						dob = fmt.Sprintf("%04d-06-15", (atoi4(d)+17-1950)%55+1950)
					}
				}
			}
		}
		add(kind, name, dob, "", "-")
		n++
	}
	// The same names as listed Chinese individuals, other dates of birth.
	n = 0
	for _, e := range out[:positives] {
		if e.Kind != "han" || n >= 40 {
			continue
		}
		var ent *Entity
		for _, x := range ents {
			if key(x) == e.Want {
				ent = x
			}
		}
		if ent == nil || len(ent.BirthDates) == 0 {
			continue
		}
		y := atoi4(ent.BirthDates[0]) + 12 + r.IntN(10)
		add("control_same_name_other_dob", e.Name, fmt.Sprintf("%04d-%02d-%02d", y, 1+r.IntN(12), 1+r.IntN(28)), "", "-")
		n++
	}
	var b strings.Builder
	b.WriteString("# Labelled screening queries, made by TestGenerateLabelled (go test -run TestGenerateLabelled -update-labelled)\n")
	b.WriteString("# from the OFAC 2021 SDN and UN 2026-02 lists in testdata. want: list:entity_id a query must find, - for controls (no hit).\n")
	b.WriteString("# split: tune (used to tune the scoring) or holdout (every fifth row, never looked at while tuning).\n")
	b.WriteString("id\tkind\tsplit\tname\tbirth_date\tnationality\twant\n")
	for i, l := range out {
		split := "tune"
		if i%5 == 4 {
			split = "holdout"
		}
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, l.Kind, split, l.Name, l.DOB, l.Nat, l.Want)
	}
	if err := os.WriteFile("testdata/labelled.tsv", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d positives, %d controls", positives, len(out)-positives)
}
