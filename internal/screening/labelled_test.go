package screening

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

func readLabelled(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/labelled.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "id\t") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 7 {
			t.Fatalf("bad line %q", line)
		}
		out = append(out, labelled{ID: c[0], Kind: c[1], Split: c[2], Name: c[3], DOB: c[4], Nat: c[5], Want: c[6]})
	}
	return out
}

type evalCount struct{ n, ok int }

// evaluate runs the labelled set at the default threshold: a positive is
// found when its entity is among the hits, a control is a false positive
// when anything is.
func evaluate(t testing.TB, ix *Index, set []labelled, verbose bool) (recall, fp map[string]*evalCount) {
	recall, fp = map[string]*evalCount{}, map[string]*evalCount{}
	bump := func(m map[string]*evalCount, k string, ok bool) {
		keys := []string{k}
		if !strings.Contains(k, "/") {
			keys = append(keys, "all")
		}
		for _, key := range keys {
			if m[key] == nil {
				m[key] = &evalCount{}
			}
			m[key].n++
			if ok {
				m[key].ok++
			}
		}
	}
	for _, l := range set {
		hs := ix.Search(Query{Name: l.Name, BirthDate: l.DOB, Nationality: l.Nat})
		if l.Want == "-" {
			bump(fp, l.Split+"/"+l.Kind, len(hs) > 0)
			bump(fp, l.Split, len(hs) > 0)
			if len(hs) > 0 && verbose {
				t.Logf("FP %s %s %q dob=%s → %s %q %.3f %+v", l.ID, l.Kind, l.Name, l.DOB, hs[0].EntityID, hs[0].MatchedName, hs[0].Score, hs[0].Explanation)
			}
			continue
		}
		found := false
		for _, h := range hs {
			if h.List+":"+h.EntityID == l.Want {
				found = true
			}
		}
		bump(recall, l.Split+"/"+l.Kind, found)
		bump(recall, l.Split, found)
		if !found && verbose {
			all := ix.Search(Query{Name: l.Name, BirthDate: l.DOB, MinScore: 0.3, Limit: 50})
			best := "none"
			for _, h := range all {
				if h.List+":"+h.EntityID == l.Want {
					best = fmt.Sprintf("%.3f via %q %+v", h.Score, h.MatchedName, h.Explanation.Tokens)
				}
			}
			t.Logf("MISS %s %s %q dob=%s want %s: %s", l.ID, l.Kind, l.Name, l.DOB, l.Want, best)
		}
	}
	return recall, fp
}

func report(t testing.TB, name string, m map[string]*evalCount) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := m[k]
		t.Logf("%s %-40s %4d/%4d = %.2f%%", name, k, c.ok, c.n, 100*float64(c.ok)/float64(c.n))
	}
}

// TestLabelledSet holds the matcher to the bar on the labelled set
// (testdata/labelled.tsv): recall at least 98% and false positives on
// control names under 1%, at the default threshold, on the tuning and the
// held-out parts each.
func TestLabelledSet(t *testing.T) {
	_, ix := testLists(t)
	set := readLabelled(t)
	recall, fp := evaluate(t, ix, set, testing.Verbose())
	report(t, "recall", recall)
	report(t, "false positives", fp)
	for _, split := range []string{"tune", "holdout"} {
		r, f := recall[split], fp[split]
		if r == nil || f == nil || r.n < 100 || f.n < 100 {
			t.Fatalf("%s: too small a set", split)
		}
		if rr := float64(r.ok) / float64(r.n); rr < 0.98 {
			t.Errorf("%s recall %.2f%% < 98%%", split, 100*rr)
		}
		if fr := float64(f.ok) / float64(f.n); fr >= 0.01 {
			t.Errorf("%s false positives %.2f%% >= 1%%", split, 100*fr)
		}
	}
}
