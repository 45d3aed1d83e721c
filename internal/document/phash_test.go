package document

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	ocrsynth "github.com/veriwallet/veriwallet/internal/ocr/synth"

	"golang.org/x/image/draw"
)

// On the calibration set a resized, recompressed copy of a photo is a
// duplicate. Distinct photos of one card layout can hash close (see
// DuplicateMaxDistance): the closest pair is logged, and unrelated kinds of
// picture must be far apart.
func TestPHashOnCalibrationSet(t *testing.T) {
	if testing.Short() {
		t.Skip("calibration set: skipped in -short")
	}
	g := newTestGate(t, Config{})
	raw, err := os.ReadFile(filepath.Join("testdata", "calib", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var es []calibEntry
	if err := json.Unmarshal(raw, &es); err != nil {
		t.Fatal(err)
	}
	hashes := make([]uint64, len(es))
	fine := make([][3]uint64, len(es))
	minD := 64
	for i, e := range es {
		data, err := os.ReadFile(filepath.Join("testdata", "calib", e.File))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := g.Check(data, KindOther)
		if err != nil {
			t.Fatal(err)
		}
		hashes[i], fine[i] = rep.PHash, rep.PHashFine
		for j := 0; j < i; j++ {
			d := HammingDistance(hashes[i], hashes[j])
			minD = min(minD, d)
			// Different photos (even of one card template) are never
			// duplicate photos.
			if IsDuplicatePhoto(hashes[i], fine[i], hashes[j], fine[j]) {
				t.Errorf("%s and %s: distinct photos taken for duplicates", e.File, es[j].File)
			}
		}
		if i%10 != 0 {
			continue
		}
		// Copies are made from the upright clean copy, as a messaging app
		// forwarding the photo would.
		img, err := jpeg.Decode(bytes.NewReader(rep.Clean))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		small := image.NewRGBA(image.Rect(0, 0, b.Dx()*7/10, b.Dy()*7/10))
		draw.ApproxBiLinear.Scale(small, small.Rect, img, b, draw.Src, nil)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 60}); err != nil {
			t.Fatal(err)
		}
		copyRep, err := g.check(buf.Bytes(), KindOther, false)
		if err != nil {
			t.Fatal(err)
		}
		if !IsDuplicate(rep.PHash, copyRep.PHash) {
			t.Errorf("%s: resized copy at distance %d", e.File, HammingDistance(rep.PHash, copyRep.PHash))
		}
		// Copies of good photos must be caught (a photo the gate refuses
		// for its kind, too small or too dark, verifies no one, copied or not).
		if len(e.Expect) == 0 && !IsDuplicatePhoto(rep.PHash, rep.PHashFine, copyRep.PHash, copyRep.PHashFine) {
			t.Errorf("%s: resized copy not a duplicate photo (fine distances %d, %d, %d)", e.File,
				HammingDistance(rep.PHashFine[0], copyRep.PHashFine[0]), HammingDistance(rep.PHashFine[1], copyRep.PHashFine[1]),
				HammingDistance(rep.PHashFine[2], copyRep.PHashFine[2]))
		}
	}
	t.Logf("closest distinct photos: distance %d", minD)
}

// TestDuplicatePhotoOnGeneratedDocuments: different generated documents of
// one template (the OCR generator's cards, similar layout and backgrounds)
// are never duplicate photos; copies resized to 70% and recompressed at quality 60 always are.
func TestDuplicatePhotoOnGeneratedDocuments(t *testing.T) {
	gen, err := ocrsynth.New(5, ocrsynth.Options{})
	if err != nil {
		t.Skipf("no CJK fonts for the generator (scripts/setup.sh installs them): %v", err)
	}
	g := newTestGate(t, Config{})
	type h struct {
		p uint64
		f [3]uint64
	}
	var hs []h
	for i := range 24 {
		d, err := gen.Generate([]string{"id_front", "id_back", "passport", "residence_permit"}[i%4])
		if err != nil {
			t.Fatal(err)
		}
		rep, err := g.Check(d.JPEG, KindOther)
		if err != nil {
			t.Fatal(err)
		}
		for j, o := range hs {
			if IsDuplicatePhoto(rep.PHash, rep.PHashFine, o.p, o.f) {
				t.Errorf("documents %d and %d taken for duplicates", i, j)
			}
		}
		hs = append(hs, h{rep.PHash, rep.PHashFine})
		img, err := jpeg.Decode(bytes.NewReader(rep.Clean))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		small := image.NewRGBA(image.Rect(0, 0, b.Dx()*7/10, b.Dy()*7/10))
		draw.ApproxBiLinear.Scale(small, small.Rect, img, b, draw.Src, nil)
		var buf bytes.Buffer
		jpeg.Encode(&buf, small, &jpeg.Options{Quality: 60})
		cp, err := g.Check(buf.Bytes(), KindOther)
		if err != nil || cp.Clean == nil {
			t.Fatalf("copy of %d not decoded: %v %+v", i, err, cp.Reasons)
		}
		if !IsDuplicatePhoto(rep.PHash, rep.PHashFine, cp.PHash, cp.PHashFine) {
			t.Errorf("document %d: resized copy not recognised: %d %d %d %d", i, HammingDistance(rep.PHash, cp.PHash), HammingDistance(rep.PHashFine[0], cp.PHashFine[0]), HammingDistance(rep.PHashFine[1], cp.PHashFine[1]), HammingDistance(rep.PHashFine[2], cp.PHashFine[2]))
		}
	}
}
