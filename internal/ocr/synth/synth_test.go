package synth_test

import (
	"bytes"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
)

func newGen(t *testing.T, seed uint64, opts synth.Options) *synth.Generator {
	t.Helper()
	g, err := synth.New(seed, opts)
	if err != nil {
		t.Skipf("no CJK font (run scripts/ocr/setup.sh): %v", err)
	}
	return g
}

func TestIDNumber(t *testing.T) {
	tests := map[string]string{
		"11010519491231002": "11010519491231002X",
	}
	for in, want := range tests {
		if got := synth.IDNumber(in); got != want {
			t.Errorf("IDNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTD3IsValid(t *testing.T) {
	l := synth.TD3("CHN", "ZHANG", "SAN FENG", "E12345678", "CHN",
		time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), "M", time.Date(2030, 3, 6, 0, 0, 0, 0, time.UTC), "")
	m := ocr.ParseTD3(l[0], l[1], time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if !m.Valid || m.Surname != "ZHANG" || m.GivenNames != "SAN FENG" || m.BirthDate != "1990-03-07" {
		t.Errorf("TD3 %q parsed as %+v", l, m)
	}
}

func TestGenerateEveryKind(t *testing.T) {
	g := newGen(t, 1, synth.Options{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 4; i++ {
		for _, kind := range synth.Kinds {
			d, err := g.Generate(kind)
			if err != nil {
				t.Fatal(err)
			}
			if d.Truth.Kind != kind {
				t.Errorf("kind %s, want %s", d.Truth.Kind, kind)
			}
			if _, err := jpeg.Decode(bytes.NewReader(d.JPEG)); err != nil {
				t.Fatalf("%s: JPEG does not decode: %v", kind, err)
			}
			if math.Abs(d.Angle) > 5 {
				t.Errorf("angle %v beyond ±5°", d.Angle)
			}
			f := d.Truth.Fields
			if n, ok := f["id_number"]; ok && synth.IDNumber(n[:17]) != n {
				t.Errorf("%s: id number %s fails its checksum", kind, n)
			}
			if kind == synth.Passport {
				if m := ocr.ParseTD3(d.Truth.MRZ[0], d.Truth.MRZ[1], now); !m.Valid || m.BirthDate != f["birth_date"] {
					t.Errorf("passport MRZ %q invalid or disagrees with %s", d.Truth.MRZ, f["birth_date"])
				}
			}
			if f["name"] == "" && kind != synth.IDBack {
				t.Errorf("%s: no name", kind)
			}
		}
	}
	if _, err := g.Generate("visa"); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestGenerateIsReproducible(t *testing.T) {
	a, b := newGen(t, 7, synth.Options{}), newGen(t, 7, synth.Options{})
	da, _ := a.Generate(synth.IDFront)
	db, _ := b.Generate(synth.IDFront)
	if !bytes.Equal(da.JPEG, db.JPEG) || da.Truth.Fields["name"] != db.Truth.Fields["name"] {
		t.Error("same seed, different documents")
	}
}

// The deskew estimate on generated documents: within half a degree of the
// rotation the generator applied.
func TestEstimateSkewOnGeneratedDocuments(t *testing.T) {
	g := newGen(t, 3, synth.Options{MaxBlur: 0.01})
	for i := 0; i < 6; i++ {
		kind := synth.Kinds[i%len(synth.Kinds)]
		d, err := g.Generate(kind)
		if err != nil {
			t.Fatal(err)
		}
		got := ocr.EstimateSkew(d.Image, 8)
		if math.Abs(got-d.Angle) > 0.5 {
			t.Errorf("%s: EstimateSkew = %.2f°, applied %.2f°", kind, got, d.Angle)
		}
	}
}
