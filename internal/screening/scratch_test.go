package screening

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestScratch(t *testing.T) {
	t0 := time.Now()
	ents, ix := testLists(t)
	fmt.Println(len(ents), ix.NameCount(), len(ix.vocab), len(ix.deletes), time.Since(t0))
	for _, q := range []string{"WONG, Moon Chi", "Moon Chi Wong", "Mon Chi Wong", "Chi Wong", "Abdul Haq", "Saddam Hussein", "صدام حسين التكريتي", "John Smith", "Banco Nacional de Cuba", "Mohamed Ali", "王小红", "Osama bin Laden", "Usama bin Ladin"} {
		t1 := time.Now()
		hs := ix.Search(Query{Name: q, Limit: 3})
		d := time.Since(t1)
		fmt.Println(q, d, len(hs))
		for _, h := range hs {
			b, _ := json.Marshal(h.Explanation.Tokens)
			fmt.Println("   ", h.EntityID, h.Name, "|", h.MatchedName, h.Score, string(b))
		}
	}
	for _, e := range ents[:3] {
		fmt.Printf("%+v\n", *e)
	}
	for _, e := range ents {
		if e.ID == "9340" || e.ID == "11353" {
			fmt.Printf("%+v\n", *e)
		}
	}
}
