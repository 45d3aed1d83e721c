package screening

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/veriwallet/veriwallet/internal/idrules"
)

// DefaultThreshold is the score from which a match is a hit.
const DefaultThreshold = 0.86

type nameRec struct {
	entity int32
	alias  bool
	text   string
	toks   []string
	vids   []int32 // vocab ids of toks
}

// Index finds listed entities by name. It is immutable once built and safe
// for concurrent use.
type Index struct {
	// Threshold is the score from which a match is a hit (DefaultThreshold
	// when 0).
	Threshold float64
	entities  []*Entity
	names     []nameRec
	vocab     map[string]int32
	tokNames  [][]int32 // vocab id → names holding the token
	tokInfo   []tokInfo // vocab id → the token and its keys
	// deletes maps the hash of a token with one letter deleted to a span of
	// delFlat holding vocab ids: no pointers, so the collector skips it.
	deletes   map[uint64]uint64
	delFlat   []int32
	phon      map[string][]int32 // phonetic key → vocab ids
	roman     map[string][]int32 // pinyin of a romanisation → vocab ids
	docs      map[string][]int32 // document number → entities
	firstName []int32            // entity → its first name record
	pool      sync.Pool
}

// Len returns the number of entities indexed.
func (ix *Index) Len() int { return len(ix.entities) }

// NameCount returns the number of names and aliases indexed.
func (ix *Index) NameCount() int { return len(ix.names) }

// NewIndex indexes entities (of any number of lists).
func NewIndex(entities []*Entity) *Index {
	dels := map[string][]int32{}
	ix := &Index{entities: entities, vocab: map[string]int32{},
		phon: map[string][]int32{}, roman: map[string][]int32{}}
	addTok := func(t string, name int32) int32 {
		id, ok := ix.vocab[t]
		if !ok {
			id = int32(len(ix.tokNames))
			ix.vocab[t] = id
			ix.tokNames = append(ix.tokNames, nil)
			ix.tokInfo = append(ix.tokInfo, info(t))
			if len(t) >= 4 {
				for _, d := range deletes1(t) {
					dels[d] = appendUniq(dels[d], id)
				}
				if k := phonetic(t); len(k) >= 3 {
					ix.phon[k] = append(ix.phon[k], id)
				}
			}
			for _, r := range romanKeys(t) {
				ix.roman[r] = append(ix.roman[r], id)
			}
			if rk := romanKeys(t); rk == nil && len(t) <= 6 {
				ix.roman[t] = append(ix.roman[t], id)
			}
		}
		if l := ix.tokNames[id]; len(l) == 0 || l[len(l)-1] != name {
			ix.tokNames[id] = append(l, name)
		}
		return id
	}
	ix.docs = map[string][]int32{}
	ix.firstName = make([]int32, len(entities))
	for ei, e := range entities {
		ix.firstName[ei] = int32(len(ix.names))
		for _, d := range e.Documents {
			ix.docs[d] = append(ix.docs[d], int32(ei))
		}
		seen := map[string]bool{}
		for ni, raw := range e.Names {
			for _, toks := range nameForms(raw) {
				key := strings.Join(toks, " ")
				if key == "" || seen[key] || len(toks) > 24 {
					continue
				}
				seen[key] = true
				id := int32(len(ix.names))
				ix.names = append(ix.names, nameRec{entity: int32(ei), alias: ni > 0, text: raw, toks: toks})
				vids := make([]int32, len(toks))
				for i, t := range toks {
					vids[i] = addTok(t, id)
					if i+1 < len(toks) && len(toks) <= 6 {
						addTok(t+toks[i+1], id) // written together: xiao hong / xiaohong
					}
				}
				ix.names[id].vids = vids
			}
		}
	}
	ix.deletes = make(map[uint64]uint64, len(dels))
	for d, ids := range dels {
		h := hash64(d)
		if old, ok := ix.deletes[h]; ok { // a collision: merge
			ids = append(ids, ix.delFlat[old>>32:old>>32+old&0xffffffff]...)
		}
		ix.deletes[h] = uint64(len(ix.delFlat))<<32 | uint64(len(ids))
		ix.delFlat = append(ix.delFlat, ids...)
	}
	return ix
}

func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (ix *Index) deleted(s string) []int32 {
	v, ok := ix.deletes[hash64(s)]
	if !ok {
		return nil
	}
	return ix.delFlat[v>>32 : v>>32+v&0xffffffff]
}

// nameForms returns the token lists a listed name or a query stands for:
// its Latin tokens, and for Han characters their pinyin readings.
func nameForms(name string) [][]string {
	if hasHan(name) {
		return hanReadings(name, 4)
	}
	t := tokens(name)
	if len(t) == 0 {
		return nil
	}
	return [][]string{t}
}

func appendUniq(l []int32, id int32) []int32 {
	if len(l) > 0 && l[len(l)-1] == id {
		return l
	}
	return append(l, id)
}

// deletes1 returns t with each one letter deleted (distinct).
func deletes1(t string) []string {
	out := make([]string, 0, len(t))
	for i := 0; i < len(t); i++ {
		if i > 0 && t[i] == t[i-1] {
			continue
		}
		out = append(out, t[:i]+t[i+1:])
	}
	return out
}

type scratch struct {
	mask    []uint16
	touched []int32
	voc     map[int32]bool
	memo    simMemo
	ids     []int32
	out     []int32
}

// commonPostings: a query token whose expansions (exact, typos,
// romanisations, phonetic) reach more names than this (al, abd, muhammad)
// does not generate candidates when rarer tokens of the query can; the
// scoring still counts it.
const commonPostings = 400

// maxCandidates bounds the names scored for one query (the ones sharing
// the most tokens are kept).
const maxCandidates = 1500

// candidates returns the names that share at least two of the query's
// tokens (exactly, within one edit, by romanisation or phonetic key), or
// one for one-token names, and the bits of common query tokens that were
// not looked up (they may match any candidate).
func (ix *Index) candidates(q []string, sc *scratch) ([]int32, uint16) {
	for _, id := range sc.touched {
		sc.mask[id] = 0
	}
	sc.touched = sc.touched[:0]
	gather := func(t string, joined bool, dst []int32) []int32 {
		clear(sc.voc)
		add := func(ids []int32) {
			for _, id := range ids {
				if !sc.voc[id] {
					sc.voc[id] = true
					dst = append(dst, id)
				}
			}
		}
		if id, ok := ix.vocab[t]; ok {
			add([]int32{id})
		}
		for _, r := range romanKeys(t) {
			add(ix.roman[r])
		}
		if len(t) <= 6 {
			add(ix.roman[t])
		}
		if len(t) >= 4 {
			add(ix.deleted(t)) // one letter inserted in the query
			for _, d := range deletes1(t) {
				if id, ok := ix.vocab[d]; ok {
					add([]int32{id}) // one letter dropped from the query
				}
				add(ix.deleted(d)) // one letter changed or swapped
			}
			if k := phonetic(t); len(k) >= 3 && !joined {
				add(ix.phon[k])
			}
			if wg := wadeGiles.Replace(t); wg != t && !joined {
				if id, ok := ix.vocab[wg]; ok {
					add([]int32{id})
				}
			}
		}
		return dst
	}
	type look struct {
		bits     uint16
		ids      []int32
		postings int
		single   bool
	}
	nq := min(len(q), 15)
	looks := make([]look, 0, 2*nq)
	for i := 0; i < nq; i++ {
		bit := uint16(1) << i
		looks = append(looks, look{bits: bit, single: true})
		if i+1 < nq {
			looks = append(looks, look{bits: bit | bit<<1})
		}
	}
	flat := sc.ids[:0]
	for k := range looks {
		t := q[bits.TrailingZeros16(looks[k].bits)]
		if !looks[k].single {
			t += q[bits.TrailingZeros16(looks[k].bits)+1]
		}
		from := len(flat)
		flat = gather(t, !looks[k].single, flat)
		looks[k].ids = flat[from:len(flat):len(flat)]
		for _, id := range looks[k].ids {
			looks[k].postings += len(ix.tokNames[id])
		}
	}
	sc.ids = flat
	rare := 0
	for _, l := range looks {
		if l.single && l.postings <= commonPostings {
			rare++
		}
	}
	var assumed uint16
	used := 0
	for _, l := range looks {
		if rare > 0 && l.postings > commonPostings {
			if l.single {
				assumed |= l.bits
			}
			continue
		}
		if l.single {
			used++
		}
		for _, vid := range l.ids {
			for _, n := range ix.tokNames[vid] {
				if sc.mask[n] == 0 {
					sc.touched = append(sc.touched, n)
				}
				sc.mask[n] |= l.bits
			}
		}
	}
	need := min(2, max(used, 1))
	out := sc.out[:0]
	for _, n := range sc.touched {
		c := bits.OnesCount16(sc.mask[n])
		if c >= need || len(ix.names[n].toks) == 1 {
			out = append(out, n)
		}
	}
	if len(out) > maxCandidates {
		slices.SortStableFunc(out, func(a, b int32) int {
			return bits.OnesCount16(sc.mask[b]) - bits.OnesCount16(sc.mask[a])
		})
		out = out[:maxCandidates]
	}
	sc.out = out
	return out, assumed
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{mask: make([]uint16, len(ix.names)), voc: map[int32]bool{}, memo: simMemo{}}
}

// Search returns the entities matching q with a score at or above the
// threshold, best first, at most q.Limit (10 when 0).
func (ix *Index) Search(q Query) []Hit {
	th := ix.Threshold
	if th == 0 {
		th = DefaultThreshold
	}
	if q.MinScore > 0 {
		th = q.MinScore
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, defaultListCap)
	hits := ix.score(q, th)
	out := hits[:0]
	for _, h := range hits {
		if h.Score >= th {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].EntityID < out[j].EntityID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// score returns, per entity, its best name match with the other fields
// counted, for every entity whose score reaches th.
func (ix *Index) score(q Query, th float64) []Hit {
	floor := th - 0.07 // birth date and nationality raise a name score by 0.07 at most
	if len(ix.names) == 0 {
		return nil
	}
	forms := nameForms(q.Name)
	script := "latin"
	if hasHan(q.Name) {
		script = "pinyin"
		// Latin letters typed beside the characters count too.
		if lat := tokens(strings.Map(func(r rune) rune {
			if isHan(r) {
				return ' '
			}
			return r
		}, q.Name)); len(lat) > 0 && lat[0] != "" {
			forms = append(forms, lat)
		}
	}
	sc := ix.getScratch()
	defer ix.pool.Put(sc)
	best := map[int32]int{} // entity → index in out
	var out []Hit
	type bestName struct {
		score float64
		name  int32
		form  int
	}
	byEntity := map[int32]bestName{}
	for fi, qt := range forms {
		if len(qt) == 0 {
			continue
		}
		// A name typed in Han characters is a person's.
		han := script == "pinyin" && fi < len(forms)-1 || script == "pinyin" && !hasLatin(q.Name)
		clear(sc.memo)
		qi := make([]tokInfo, len(qt))
		for i, t := range qt {
			qi[i] = info(t)
		}
		var qw float64
		for _, t := range qt {
			qw += weight(t)
		}
		cands, assumed := ix.candidates(qt, sc)
		for _, n := range cands {
			// Upper bound: the query tokens the index found in this name
			// (or did not look up) all matching fully.
			if len(ix.names[n].toks) > 1 {
				m := sc.mask[n] | assumed
				var hw float64
				for i, t := range qt {
					if i < 16 && m&(1<<i) != 0 {
						hw += weight(t)
					}
				}
				if hw/qw < floor {
					continue
				}
			}
			s, _, _ := alignWith(qt, ix.names[n].toks, qi, ix.names[n].vids, ix.tokInfo, sc.memo, false)
			if s < floor {
				continue
			}
			e := ix.names[n].entity
			if han && ix.entities[e].Kind != KindPerson && ix.entities[e].Kind != KindUnknown {
				continue
			}
			if b, ok := byEntity[e]; !ok || s > b.score || s == b.score && ix.names[n].alias == false && ix.names[b.name].alias {
				byEntity[e] = bestName{s, n, fi}
			}
		}
	}
	qdocs := normDocs(q.Documents)
	for _, d := range qdocs {
		for _, e := range ix.docs[d] {
			if _, ok := byEntity[e]; !ok {
				n := ix.firstName[e]
				s, _, _ := align(forms[0], ix.names[n].toks, false)
				byEntity[e] = bestName{s, n, 0}
			}
		}
	}
	qdob := strings.TrimSpace(q.BirthDate)
	qnat := ""
	if q.Nationality != "" {
		qnat, _ = idrules.ParseNationality(q.Nationality)
	}
	for e, b := range byEntity {
		ent := ix.entities[e]
		nr := ix.names[b.name]
		s := b.score
		ex := Explanation{NameScore: round(s), Alias: nr.alias, Script: script}
		score := s
		if f, ok := compareDOB(qdob, ent.BirthDates); ok {
			ex.Fields = append(ex.Fields, f)
			score += f.Effect
		}
		if qnat != "" && len(ent.Nationalities) > 0 {
			f := FieldMatch{Field: "nationality", Result: "conflict", Effect: -0.04}
			if contains(ent.Nationalities, qnat) {
				f = FieldMatch{Field: "nationality", Result: "agree", Effect: 0.02}
			}
			ex.Fields = append(ex.Fields, f)
			score += f.Effect
		}
		for _, d := range qdocs {
			if contains(ent.Documents, d) {
				ex.Fields = append(ex.Fields, FieldMatch{Field: "document", Result: "agree", Effect: round(max(0, 0.99-score))})
				score = max(score, 0.99)
				break
			}
		}
		score = min(max(score, 0), 1)
		if score < th {
			continue
		}
		_, ex.Tokens, ex.Unmatched = align(forms[b.form], nr.toks, true)
		best[e] = len(out)
		out = append(out, Hit{List: ent.List, EntityID: ent.ID, Category: ent.Category, Kind: ent.Kind,
			Name: primary(ent), MatchedName: nr.text, Score: round(score), Explanation: ex, entity: ent})
	}
	return out
}

func primary(e *Entity) string {
	if len(e.Names) > 0 {
		return e.Names[0]
	}
	return ""
}

// compareDOB compares a query's birth date with an entity's.
func compareDOB(q string, listed []string) (FieldMatch, bool) {
	if q == "" || len(listed) == 0 || len(q) < 4 {
		return FieldMatch{}, false
	}
	qy := q[:4]
	res := FieldMatch{Field: "birth_date", Result: "conflict", Effect: -0.2}
	for _, d := range listed {
		if len(d) < 4 {
			continue
		}
		switch {
		case d == q || len(q) >= len(d) && strings.HasPrefix(q, d) && len(d) == 10:
			return FieldMatch{Field: "birth_date", Result: "agree", Effect: 0.05}, true
		case d[:4] == qy && len(d) < len(q) && strings.HasPrefix(q, d):
			res = FieldMatch{Field: "birth_date", Result: "partial", Effect: 0.02}
		case d[:4] == qy && res.Result == "conflict":
			res = FieldMatch{Field: "birth_date", Result: "conflict", Effect: -0.08} // same year, other day
		case absYear(d[:4], qy) == 1 && res.Result == "conflict" && res.Effect < -0.08:
			res = FieldMatch{Field: "birth_date", Result: "conflict", Effect: -0.1}
		}
	}
	return res, true
}

func absYear(a, b string) int {
	var x, y int
	for i := 0; i < 4; i++ {
		if a[i] < '0' || a[i] > '9' || b[i] < '0' || b[i] > '9' {
			return 99
		}
		x = x*10 + int(a[i]-'0')
		y = y*10 + int(b[i]-'0')
	}
	if x > y {
		return x - y
	}
	return y - x
}

// normDocs keeps the letters and digits of document numbers, uppercase.
func normDocs(ds []string) []string {
	var out []string
	for _, d := range ds {
		var b strings.Builder
		for _, r := range strings.ToUpper(d) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		if b.Len() >= 5 {
			out = append(out, b.String())
		}
	}
	return out
}

func hasLatin(s string) bool {
	for _, r := range s {
		if r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z') {
			return true
		}
	}
	return false
}
