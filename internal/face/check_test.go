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
