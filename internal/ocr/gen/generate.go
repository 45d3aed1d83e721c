package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/veriwallet/veriwallet/internal/ocr/synth"
)

func generate(args []string) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	n := fs.Int("n", 200, "number of documents (spread over the kinds)")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", filepath.Join(os.TempDir(), "veriwallet-ocrset"), "output directory")
	kinds := fs.String("kinds", strings.Join(synth.Kinds, ","), "kinds to render, comma-separated")
	maxAngle := fs.Float64("max-angle", 5, "largest rotation, degrees")
	maxBlur := fs.Float64("max-blur", 1.0, "largest gaussian blur sigma, pixels")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	g, err := synth.New(*seed, synth.Options{MaxAngle: *maxAngle, MaxBlur: *maxBlur})
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		return 1
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		return 1
	}
	ks := strings.Split(*kinds, ",")
	for i := 0; i < *n; i++ {
		kind := ks[i%len(ks)]
		d, err := g.Generate(kind)
		if err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			return 1
		}
		base := filepath.Join(*out, fmt.Sprintf("%04d_%s", i, kind))
		tj, _ := json.MarshalIndent(d.Truth, "", "  ")
		if err := os.WriteFile(base+".jpg", d.JPEG, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			return 1
		}
		if err := os.WriteFile(base+".json", tj, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			return 1
		}
	}
	fmt.Printf("wrote %d documents to %s\n", *n, *out)
	return 0
}
