package ocr

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for uploaded documents
	_ "image/png"
	"io"
	"os"
	"strings"

	"github.com/veriwallet/veriwallet/internal/document"
)

// MaxCheckBytes bounds the file RunCheckDocument reads.
const MaxCheckBytes = 20 << 20

// RunCheckDocument implements
// `veriwallet check document --kind id_front|id_back|passport|residence_permit FILE`:
// it reads the image with every available engine and prints one JSON object
// {"kind","fields":{…},"mrz":{…},"reasons":[…],"engine","elapsed_ms"}.
// Exit codes: 0 read (reasons may still list problems), 1 the file could
// not be read or decoded, 2 usage, 3 OCR is not installed (the JSON then
// has "error" and "status").
func RunCheckDocument(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check document", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", KindIDFront, "document kind: "+strings.Join(Kinds, "|"))
	dir := fs.String("ocr-dir", Dir(), "where scripts/ocr/setup.sh installed the OCR runtime and models")
	// Flags may follow the file name too.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "usage: veriwallet check document --kind "+strings.Join(Kinds, "|")+" FILE")
		return 2
	}
	if _, ok := expected[*kind]; !ok {
		fmt.Fprintf(stderr, "unknown kind %q (want %s)\n", *kind, strings.Join(Kinds, "|"))
		return 2
	}
	img, err := decodeFile(files[0], *kind)
	if err != nil {
		fmt.Fprintln(stderr, "check document:", err)
		return 1
	}
	r, st := Open(*dir)
	if r == nil {
		writeJSON(stdout, map[string]any{"kind": *kind, "error": ErrUnavailable.Code, "status": st})
		fmt.Fprintln(stderr, st.Detail)
		return 3
	}
	defer r.Close()
	res, err := r.Read(context.Background(), *kind, img)
	if err != nil {
		fmt.Fprintln(stderr, "check document:", err)
		return 1
	}
	// What the photo looks like, whatever kind it was read as.
	writeJSON(stdout, struct {
		*Result
		Classification Classification `json:"classification"`
	}{res, res.Classify()})
	return 0
}

// decodeFile reads a photo as the service stores it: through the document
// gate, so a phone picture tagged with an EXIF orientation is read upright
// (and a file the gate cannot decode is refused with its reason).
func decodeFile(path, kind string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxCheckBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxCheckBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxCheckBytes)
	}
	g, err := document.NewGate(document.DefaultConfig())
	if err != nil {
		return nil, err
	}
	rep, err := g.Check(b, document.Kind(kind))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rep.Clean == nil {
		why := "not a JPEG or PNG image"
		if len(rep.Reasons) > 0 {
			rs := rep.Reasons[0]
			why = rs.Code + ": " + rs.Message.EN + " " + rs.Hint.EN
		}
		return nil, fmt.Errorf("%s: %s", path, strings.TrimSpace(why))
	}
	return document.DecodeImage(rep.Clean)
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
