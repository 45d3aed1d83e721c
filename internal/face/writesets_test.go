package face

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSets writes the tuning and report sets as two folders of JPEG
// files, each with a pairs.csv for scripts/face/evaluate.sh, when
// FACE_WRITE_SETS names a directory:
//
//	FACE_WRITE_SETS=/tmp/facesets go test -run TestWriteSets ./internal/face/
//	scripts/face/evaluate.sh --pairs /tmp/facesets/report/pairs.csv
func TestWriteSets(t *testing.T) {
	dir := os.Getenv("FACE_WRITE_SETS")
	if dir == "" {
		t.Skip("set FACE_WRITE_SETS=DIR to write the image sets")
	}
	write := func(set string, people []string, same, recap []transform) {
		d := filepath.Join(dir, set)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		save := func(name string, m image.Image) string {
			f, err := os.Create(filepath.Join(d, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := jpeg.Encode(f, m, &jpeg.Options{Quality: 95}); err != nil {
				t.Fatal(err)
			}
			return name
		}
		var csv strings.Builder
		csv.WriteString("document,selfie,same,live\n")
		var selfies = map[string][]string{}
		for _, p := range people {
			orig := load(t, "testdata/"+p)
			base := strings.TrimSuffix(p, ".jpg")
			doc := save(base+"_original.jpg", orig)
			for _, tr := range same {
				s := save(base+"_"+tr.name+".jpg", tr.fn(orig))
				selfies[p] = append(selfies[p], s)
				fmt.Fprintf(&csv, "%s,%s,1,\n", doc, s)
			}
			for _, tr := range recap {
				s := save(base+"_recapture_"+tr.name+".jpg", tr.fn(orig))
				fmt.Fprintf(&csv, "%s,%s,1,0\n", doc, s)
			}
		}
		for _, p := range people {
			for _, q := range people {
				if p != q {
					for _, s := range selfies[q] {
						fmt.Fprintf(&csv, "%s_original.jpg,%s,0,\n", strings.TrimSuffix(p, ".jpg"), s)
					}
				}
			}
		}
		if err := os.WriteFile(filepath.Join(d, "pairs.csv"), []byte(csv.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tune", tunePeople, tuneSame, tuneRecapture)
	write("report", reportPeople, reportSame, reportRecapture)
}
