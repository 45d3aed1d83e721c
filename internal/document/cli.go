package document

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// PublicReason is a reason as the customer (and the API) sees it: one
// language, no internal flags.
type PublicReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// PublicQuality is the quality part of a document as the API shows it.
type PublicQuality struct {
	Accepted bool               `json:"accepted"`
	Scores   map[string]float64 `json:"scores"`
	Reasons  []PublicReason     `json:"reasons"`
}

// PublicReport is the report as the API and `veriwallet check image` print
// it: {"format","width","height","sha256","quality":{"accepted","scores",
// "reasons":[{"code","message","hint"}]}}.
type PublicReport struct {
	Format  string        `json:"format"`
	Width   int           `json:"width"`
	Height  int           `json:"height"`
	SHA256  string        `json:"sha256"`
	Quality PublicQuality `json:"quality"`
}

// Public returns the report for the customer in lang. Sensitive reasons
// (fraud signals such as DUPLICATE_IMAGE) are left out: they are for
// reviewers only.
func (r *Report) Public(lang i18n.Lang) PublicReport {
	p := PublicReport{
		Format: r.Format, Width: r.Width, Height: r.Height, SHA256: r.SHA256,
		Quality: PublicQuality{Accepted: r.Accepted, Scores: r.Scores, Reasons: []PublicReason{}},
	}
	if p.Quality.Scores == nil {
		p.Quality.Scores = map[string]float64{}
	}
	for _, x := range r.Reasons {
		if x.Sensitive {
			continue
		}
		p.Quality.Reasons = append(p.Quality.Reasons, PublicReason{Code: x.Code, Message: x.Message.In(lang), Hint: x.Hint.In(lang)})
	}
	return p
}

// RunCheckImage implements `veriwallet check image [--kind KIND] [--lang
// en|zh-CN] FILE`: it runs the gate with the default configuration on FILE
// and prints the public report as JSON on stdout. The kind defaults to
// id_front (every check runs). It returns the exit status: 0 accepted, 1
// refused, 2 for a usage error or an unreadable file.
func RunCheckImage(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("veriwallet check image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", string(KindIDFront), "document kind: "+kindList())
	lang := fs.String("lang", "en", "language of messages: en or zh-CN")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: veriwallet check image [--kind KIND] [--lang en|zh-CN] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2 // flag has printed the problem and the usage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	k := Kind(*kind)
	if !k.Valid() {
		fmt.Fprintf(stderr, "check image: unknown kind %q (want one of %s)\n", *kind, kindList())
		return 2
	}
	g, err := NewGate(Config{})
	if err != nil {
		fmt.Fprintln(stderr, "check image:", err)
		return 2
	}
	data, sum, err := readCapped(fs.Arg(0), g.cfg.Limits.MaxBytes)
	if err != nil {
		fmt.Fprintln(stderr, "check image:", err)
		return 2
	}
	rep, err := g.Check(data, k)
	if err != nil {
		fmt.Fprintln(stderr, "check image:", err)
		return 2
	}
	rep.SHA256 = sum
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep.Public(i18n.Parse(*lang))); err != nil {
		fmt.Fprintln(stderr, "check image:", err)
		return 2
	}
	if !rep.Accepted {
		return 1
	}
	return 0
}

// readCapped reads at most limit+1 bytes of the file (enough for the gate to
// see it is too large) and the SHA-256 of the whole file.
func readCapped(path string, limit int64) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	h := sha256.New()
	var keep strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if room := limit + 1 - int64(keep.Len()); room > 0 {
				keep.Write(buf[:min(int64(n), room)])
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
	}
	return []byte(keep.String()), hex.EncodeToString(h.Sum(nil)), nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
