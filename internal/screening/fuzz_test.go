package screening

import (
	"strings"
	"testing"
)

// FuzzSearch: no query panics, every hit is over the threshold and
// explained, and scores stay within [0, 1].
func FuzzSearch(f *testing.F) {
	ents, err := ParseCSV(strings.NewReader("id,name,aliases,birth_date\n1,Zhang Wei Ming,张伟明;Cheung Wai Ming,1975-08-09\n2,Abdul Haq,AL-HAQ 'Abd,1971\n3,BANCO NACIONAL DE CUBA,BNC,\n"))
	if err != nil {
		f.Fatal(err)
	}
	ix := NewIndex(ents)
	for _, s := range []string{"Zhang Wei Ming", "张伟明", "al al al al al al al al al al al al al al al al al al", "", "\xff\xfe", "a b c d e f g h i j k l m n o p q r s t u v w x y z",
		strings.Repeat("x", 200), "O'Brien, Seán", "ß ø ł", "🙂 名字"} {
		f.Add(s, "1975-08-09")
	}
	f.Fuzz(func(t *testing.T, name, dob string) {
		for _, h := range ix.Search(Query{Name: name, BirthDate: dob, Nationality: "CN", Documents: []string{name}}) {
			if h.Score < DefaultThreshold || h.Score > 1 || len(h.Explanation.Tokens) == 0 && len(h.Explanation.Fields) == 0 {
				t.Fatalf("%q: %+v", name, h)
			}
		}
	})
}
