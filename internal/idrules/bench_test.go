package idrules

import "testing"

func BenchmarkValidateResidentID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, rs := ValidateResidentID("11010519491231002X", testNow); rs != nil {
			b.Fatal(rs)
		}
	}
}

func BenchmarkValidateResidentIDInvalid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ValidateResidentID("110105194912310021", testNow)
	}
}

func BenchmarkCheckIDNumberAuto(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		CheckIDNumber("11010519491231002X", IDAuto, testNow)
	}
}

// BenchmarkParseMRZTD3 parses a valid, non-specimen passport (the ICAO
// specimen with issuing state and nationality NLD; neither is covered by a
// check digit).
func BenchmarkParseMRZTD3(b *testing.B) {
	lines := []string{withState(td3Specimen, "NLD")[0], td3Specimen[1][:10] + "NLD" + td3Specimen[1][13:]}
	if _, rs := ParseMRZ(lines, specimenDay); rs != nil {
		b.Fatal(rs)
	}
	b.ReportAllocs()
	for b.Loop() {
		ParseMRZ(lines, specimenDay)
	}
}

func BenchmarkParseMRZTD3Specimen(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseMRZ(td3Specimen, specimenDay)
	}
}

func BenchmarkParseMRZTD1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseMRZ(td1Specimen, specimenDay)
	}
}

func BenchmarkCompareNames(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		CompareNames("阿依古丽·买买提", "阿依古丽.买买")
	}
}

func BenchmarkParsePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParsePhone("138 1234 5678", "CN")
	}
}

// TestValidateResidentIDDoesNotAllocate guards the zero-allocation valid
// path that the throughput goal depends on.
func TestValidateResidentIDDoesNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	n := testing.AllocsPerRun(100, func() { ValidateResidentID("11010519491231002X", testNow) })
	if n != 0 {
		t.Errorf("ValidateResidentID allocates %v times per call", n)
	}
}
