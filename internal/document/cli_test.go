package document

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

func TestRunCheckImage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("card.jpg", encodeSpec(t, goodSpec()))
	// A HEIC photo renamed .jpg: the bytes decide.
	heic := write("photo.jpg", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	blurry := goodSpec()
	blurry.Blur = 5
	blur := write("blur.jpg", encodeSpec(t, blurry))

	tests := []struct {
		name      string
		args      []string
		code      int
		reason    string // a reason code the output must carry
		inMessage string // text the first message must contain
	}{
		{"accepted", []string{good}, 0, "", ""},
		{"accepted with kind", []string{"--kind", "id_back", good}, 0, "", ""},
		{"heic refused", []string{heic}, 1, CodeFormatHEIC, "HEIC"},
		{"heic in chinese", []string{"--lang", "zh-CN", heic}, 1, CodeFormatHEIC, "格式"},
		{"blurry", []string{"--kind=passport", blur}, 1, CodeBlurry, ""},
		{"no file", []string{}, 2, "", ""},
		{"two files", []string{good, good}, 2, "", ""},
		{"bad kind", []string{"--kind", "visa", good}, 2, "", ""},
		{"bad flag", []string{"--nope", good}, 2, "", ""},
		{"missing file", []string{filepath.Join(dir, "none.jpg")}, 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := RunCheckImage(tt.args, &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut.String())
			}
			if code == 2 {
				if errOut.Len() == 0 {
					t.Error("no message on stderr")
				}
				return
			}
			var rep struct {
				Format  string `json:"format"`
				Width   int    `json:"width"`
				Height  int    `json:"height"`
				SHA256  string `json:"sha256"`
				Quality struct {
					Accepted bool               `json:"accepted"`
					Scores   map[string]float64 `json:"scores"`
					Reasons  []struct {
						Code    string `json:"code"`
						Message string `json:"message"`
						Hint    string `json:"hint"`
					} `json:"reasons"`
				} `json:"quality"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("output is not the JSON report: %v\n%s", err, out.String())
			}
			if rep.Quality.Accepted != (code == 0) || len(rep.SHA256) != 64 {
				t.Errorf("report: %s", out.String())
			}
			if tt.reason != "" {
				found := false
				for _, r := range rep.Quality.Reasons {
					if r.Code == tt.reason && r.Message != "" && r.Hint != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s in %s", tt.reason, out.String())
				}
			}
			if tt.inMessage != "" && !strings.Contains(rep.Quality.Reasons[0].Message, tt.inMessage) {
				t.Errorf("message %q lacks %q", rep.Quality.Reasons[0].Message, tt.inMessage)
			}
		})
	}
}

// A file over the size limit is refused without being read whole, and its
// reported SHA-256 is still that of the whole file.
func TestRunCheckImageTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.jpg")
	data := append(encodeSpec(t, synth.Spec{Seed: 3, W: 400, H: 300, Side: synth.Front, CardWidth: 0.7, CX: 0.5, CY: 0.5}),
		make([]byte, 11<<20)...)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := RunCheckImage([]string{p}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), CodeFileTooLarge) {
		t.Errorf("output: %s", out.String())
	}
	_, sum, err := readCapped(p, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), sum) {
		t.Error("sha256 is not of the whole file")
	}
}
