package document

import "sort"

func sortStrings(s []string) { sort.Strings(s) }
func sortFloats(s []float64) { sort.Float64s(s) }
