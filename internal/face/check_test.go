package face

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCheck(args ...string) (int, CheckResult, string, string) {
	var out, errb bytes.Buffer
	code := RunCheckFace(args, &out, &errb)
	var r CheckResult
	_ = json.Unmarshal(out.Bytes(), &r)
	return code, r, out.String(), errb.String()
}

func TestCheckFaceUsageAndMissingModels(t *testing.T) {
	if code, _, _, _ := runCheck("--document", "testdata/pigo.jpg"); code != 2 {
		t.Errorf("without --selfie: exit %d, want 2", code)
	}
	if code, _, _, stderr := runCheck("--document", "testdata/nope.jpg", "--selfie", "testdata/pigo.jpg"); code != 2 || stderr == "" {
		t.Errorf("missing file: exit %d (%q), want 2 with a message", code, stderr)
	}
	notImage := filepath.Join(t.TempDir(), "x.jpg")
	os.WriteFile(notImage, []byte("not an image"), 0o644)
	if code, _, _, _ := runCheck("--document", notImage, "--selfie", "testdata/pigo.jpg"); code != 2 {
		t.Errorf("not an image: exit %d, want 2", code)
	}
	code, _, out, stderr := runCheck("--face-dir", t.TempDir(), "--document", "testdata/pigo.jpg", "--selfie", "testdata/pigo.jpg")
	if code != 3 || !strings.Contains(out, `"error": "FACE_UNAVAILABLE"`) || !strings.Contains(stderr, "not found") {
		t.Errorf("models missing: exit %d, stdout %s, stderr %s; want 3 and FACE_UNAVAILABLE", code, out, stderr)
	}
}

func TestCheckFaceVerdicts(t *testing.T) {
	openEngine(t)
	dir := t.TempDir()
	// The selfie: the astronaut's photograph rotated, darker and recompressed.
	selfie := filepath.Join(dir, "selfie.jpg")
	f, _ := os.Create(selfie)
	jpeg.Encode(f, chain(rotated(-6), lit(0.8, 1.2))(load(t, "testdata/astronaut.jpg")), &jpeg.Options{Quality: 70})
	f.Close()
	cases := []struct {
		doc, selfie string
		code        int
		want        Verdict
	}{
		{"testdata/astronaut.jpg", selfie, 0, Match},
		{"testdata/pigo.jpg", selfie, 1, Mismatch},
		{"testdata/drawing.jpg", selfie, 1, NoFaceDocument},
		{"testdata/astronaut.jpg", "testdata/drawing.jpg", 1, NoFaceSelfie},
	}
	for _, c := range cases {
		code, r, out, _ := runCheck("--document", c.doc, "--selfie", c.selfie)
		if code != c.code || r.Verdict != c.want {
			t.Errorf("%s vs %s: exit %d verdict %q, want %d %q\n%s", c.doc, c.selfie, code, r.Verdict, c.code, c.want, out)
		}
	}
	_, r, _, _ := runCheck("--document", "testdata/astronaut.jpg", "--selfie", selfie)
	if len(r.Document.Faces) != 1 || len(r.Selfie.Faces) != 1 || r.Similarity < DefaultThresholds().Match || r.Liveness < 0 || r.Engine == "" {
		t.Errorf("match result incomplete: %+v", r)
	}
}

func TestEvaluate(t *testing.T) {
	openEngine(t)
	dir := t.TempDir()
	abs, _ := filepath.Abs("testdata")
	write := func(name string, m func() []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, m(), 0o644)
		return name
	}
	enc := func(tr transform, src string) func() []byte {
		return func() []byte {
			var b bytes.Buffer
			jpeg.Encode(&b, tr.fn(load(t, filepath.Join(abs, src))), &jpeg.Options{Quality: 85})
			return b.Bytes()
		}
	}
	a1 := write("a1.jpg", enc(transform{"rot", rotated(7)}, "astronaut.jpg"))
	p1 := write("p1.jpg", enc(transform{"dark", lit(0.7, 1)}, "pigo.jpg"))
	c1 := write("c1.jpg", enc(transform{"up", scaled(1.3)}, "camera.jpg"))
	csv := "document,selfie,same,live\n" +
		abs + "/astronaut.jpg," + a1 + ",1,1\n" +
		abs + "/pigo.jpg," + p1 + ",1,\n" +
		abs + "/camera.jpg," + c1 + ",1,1\n" +
		abs + "/astronaut.jpg," + p1 + ",0,\n" +
		abs + "/pigo.jpg," + c1 + ",0,\n" +
		abs + "/camera.jpg," + a1 + ",0,\n" +
		abs + "/drawing.jpg," + a1 + ",0,\n"
	os.WriteFile(filepath.Join(dir, "pairs.csv"), []byte(csv), 0o644)
	var out, errb bytes.Buffer
	if code := RunEvaluate([]string{"--rows", "--pairs", filepath.Join(dir, "pairs.csv")}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r EvalReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Pairs != 7 || r.Same.Total != 3 || r.Different.Total != 4 || r.Same.Match != 3 || r.Different.Mismatch != 3 || r.Different.NoFace != 1 {
		t.Errorf("counts: %s", out.String())
	}
	if r.FMR != 0 || r.FNMR != 0 || len(r.Sweep) != 13 || r.Live == nil || r.Live.Live != 2 || len(r.Rows) != 7 {
		t.Errorf("rates: %s", out.String())
	}
	// At a match threshold above every similarity, every same pair is a
	// non-match.
	last := r.Sweep[len(r.Sweep)-1]
	if last.Match != 0.8 || last.FNMR < 0 || last.FNMR > 1 {
		t.Errorf("sweep end %+v", last)
	}
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("document,selfie,same\na.jpg,b.jpg,maybe\n"), 0o644)
	if code := RunEvaluate([]string{"--pairs", filepath.Join(dir, "bad.csv")}, &out, &errb); code != 2 {
		t.Errorf("bad label: exit %d, want 2", code)
	}
}
