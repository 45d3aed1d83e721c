package screening

import "testing"

func BenchmarkScratchMohamedAli(b *testing.B) {
	_, ix := testLists(b)
	b.ResetTimer()
	for b.Loop() {
		ix.Search(Query{Name: "Mohamed Ali"})
	}
}
