package screening

import (
	"fmt"
	"testing"
)

func TestScratchCand(t *testing.T) {
	_, ix := testLists(t)
	for _, q := range []string{"Mohamed Ali", "Moon Chi Wong", "Ali Hassan Ahmad"} {
		sc := ix.getScratch()
		c := ix.candidates(tokens(q), sc)
		ents := map[int32]bool{}
		for _, n := range c {
			ents[ix.names[n].entity] = true
		}
		fmt.Println(q, len(c), len(sc.touched), len(ents))
	}
}
