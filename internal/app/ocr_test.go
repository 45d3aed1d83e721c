package app

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestGlyphReadingNeverContradicts runs the production path (OCR pool →
// reader adapter → CrossCheck) on a card whose name holds 旻, which only the
// glyph matcher reads: the right name passes, a different one is unreadable
// (a reviewer) at every minimum confidence an operator may configure, never
// NAME_MISMATCH.
func TestGlyphReadingNeverContradicts(t *testing.T) {
	pool, st := ocr.OpenPool(ocr.Dir(), 1)
	if pool == nil {
		t.Skip(st.Detail)
	}
	defer pool.Close()
	rd := OCRReader(pool, st)
	data, err := os.ReadFile("../ocr/testdata/0004_id_front.jpg")
	if err != nil {
		t.Fatal(err)
	}
	reading, err := rd.Read(context.Background(), document.Kind("id_front"), data)
	if err != nil {
		t.Fatal(err)
	}
	fields := reading.Fields
	if f := fields["name"]; f.Value != "苏旻国" || !f.Glyph {
		t.Fatalf("name read %+v, want 苏旻国 marked as a glyph reading", f)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, typed := range []string{"苏旻国", "苏昊国", "苏晏国", "苏旻"} {
		for _, mc := range []float64{0.01, 0.5, 0.85, 0.9, 1} {
			a := verification.Applicant{FullName: typed, IDType: verification.IDCNResident, IDNumber: "510107197806173966"}
			for _, r := range verification.CrossCheck(a, fields, verification.CrossCheckOptions{Document: "id_front", At: at, MinConfidence: mc, CanRead: rd.CanRead}) {
				if r.Field != verification.FieldFullName {
					continue
				}
				want := verification.OutcomeUnreadable
				if typed == "苏旻国" {
					want = verification.OutcomePass
				}
				if r.Outcome != want {
					t.Errorf("typed %s, min_confidence %.2f: %s %v, want %s", typed, mc, r.Outcome, r.Reasons, want)
				}
			}
		}
	}
}
