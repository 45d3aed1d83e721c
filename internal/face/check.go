package face

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for uploaded photos
	_ "image/png"
	"io"
	"os"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
)

// MaxCheckBytes bounds each file RunCheckFace reads.
const MaxCheckBytes = 20 << 20

// CheckResult is what `veriwallet check face` prints.
type CheckResult struct {
	Document   ImageResult `json:"document"`
	Selfie     ImageResult `json:"selfie"`
	Similarity float64     `json:"similarity"`
	Liveness   float64     `json:"liveness"` // -1 when not computed (no face on the selfie)
	Verdict    Verdict     `json:"verdict"`
	Thresholds Thresholds  `json:"thresholds"`
	Engine     string      `json:"engine"`
	ElapsedMS  int64       `json:"elapsed_ms"`
}

// ImageResult lists the faces found on one image.
type ImageResult struct {
	File  string    `json:"file"`
	Gate  string    `json:"gate,omitempty"` // the upload gate's refusal (e.g. IMAGE_TOO_SMALL): the image was analysed as decoded, unrotated
	Faces []FaceBox `json:"faces"`
}

// FaceBox is a Face as JSON.
type FaceBox struct {
	Box   [4]int  `json:"box"` // x0, y0, x1, y1 in the upright image
	Score float64 `json:"score"`
}

// RunCheckFace implements
// `veriwallet check face --document FILE --selfie FILE`: it prints one
// CheckResult as JSON. Exit codes: 0 match; 1 any other verdict; 2 usage
// error or a file that cannot be read or decoded; 3 the face models are not
// installed (the JSON then has "error": "FACE_UNAVAILABLE" and "detail").
func RunCheckFace(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check face", flag.ContinueOnError)
	fs.SetOutput(stderr)
	docPath := fs.String("document", "", "photo of the identity document (JPEG or PNG)")
	selfiePath := fs.String("selfie", "", "the selfie (JPEG or PNG)")
	dir := fs.String("face-dir", DefaultDir(), "where scripts/face/setup.sh installed the face models")
	def := DefaultThresholds()
	match := fs.Float64("match", def.Match, "similarity at or above which the faces match")
	review := fs.Float64("review", def.Review, "similarity at or above which a reviewer decides (below: mismatch)")
	live := fs.Float64("live", def.Live, "liveness at or above which the selfie is live")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *docPath == "" || *selfiePath == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: veriwallet check face --document FILE --selfie FILE")
		return 2
	}
	t := Thresholds{Match: *match, Review: *review, Live: *live}
	doc, docGate, err := decodePhoto(*docPath, document.KindOther)
	if err != nil {
		fmt.Fprintln(stderr, "check face:", err)
		return 2
	}
	selfie, selfieGate, err := decodePhoto(*selfiePath, document.KindSelfie)
	if err != nil {
		fmt.Fprintln(stderr, "check face:", err)
		return 2
	}
	e, err := Open(*dir)
	if err != nil {
		writeJSON(stdout, map[string]any{"error": ErrUnavailable.Code, "detail": Detail(err)})
		fmt.Fprintln(stderr, "check face:", Detail(err))
		return 3
	}
	defer e.Close()
	start := time.Now()
	ctx := context.Background()
	da, err := e.Analyze(ctx, doc, Options{})
	if err != nil {
		fmt.Fprintln(stderr, "check face:", err)
		return 2
	}
	sa, err := e.Analyze(ctx, selfie, Options{Liveness: true})
	if err != nil {
		fmt.Fprintln(stderr, "check face:", err)
		return 2
	}
	v, sim := Decide(da, sa, t)
	res := CheckResult{
		Document:   ImageResult{File: *docPath, Gate: docGate, Faces: boxes(da.Faces)},
		Selfie:     ImageResult{File: *selfiePath, Gate: selfieGate, Faces: boxes(sa.Faces)},
		Similarity: sim, Liveness: sa.Liveness, Verdict: v, Thresholds: t,
		Engine: e.Version(), ElapsedMS: time.Since(start).Milliseconds(),
	}
	writeJSON(stdout, res)
	if v != Match {
		return 1
	}
	return 0
}

func boxes(fs []Face) []FaceBox {
	out := []FaceBox{}
	for _, f := range fs {
		out = append(out, FaceBox{Box: [4]int{f.Box.Min.X, f.Box.Min.Y, f.Box.Max.X, f.Box.Max.Y}, Score: f.Score})
	}
	return out
}

// decodePhoto reads a photo as the service stores it: through the document
// gate, so a phone picture with an EXIF orientation is analysed upright.
// When the gate refuses the photo (too small, too dark…) it is decoded as
// it is and gate names the refusal: an operator checking faces still gets
// an answer. Errors: the file cannot be read, is too large, or is not a
// JPEG or PNG image.
func decodePhoto(path string, kind document.Kind) (img image.Image, gate string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxCheckBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(b) > MaxCheckBytes {
		return nil, "", fmt.Errorf("%s is larger than %d bytes", path, MaxCheckBytes)
	}
	g, err := document.NewGate(document.DefaultConfig())
	if err != nil {
		return nil, "", err
	}
	rep, err := g.Check(b, kind)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	data := rep.Clean
	if data == nil {
		gate = "REFUSED"
		if len(rep.Reasons) > 0 {
			gate = rep.Reasons[0].Code
		}
		// A photo refused for its size is never decoded: a small PNG can
		// declare 100,000×100,000 pixels (gigabytes once decoded). Only a
		// photo refused for its quality is analysed as it is.
		for _, code := range []string{document.CodeFileTooLarge, document.CodeTooManyPixels, document.CodeDimensions} {
			if rep.Has(code) {
				return nil, "", fmt.Errorf("%s: %s (%d×%d pixels)", path, code, rep.Width, rep.Height)
			}
		}
		data = b
	}
	// DecodeImage turns the image upright by its EXIF orientation (the
	// gate's clean copy keeps only that tag; a refused photo has its own).
	img, err = document.DecodeImage(data)
	if err != nil {
		if gate != "" && gate != "REFUSED" {
			return nil, "", fmt.Errorf("%s: %s", path, gate) // IMAGE_CORRUPT, FORMAT_HEIC, FILE_EMPTY…
		}
		return nil, "", fmt.Errorf("%s: not a JPEG or PNG image", path)
	}
	return img, gate, nil
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
