package ocr

import (
	"flag"
	"fmt"
	"io"
)

// RunCheckGlyphs implements `veriwallet check glyphs [--ocr-dir DIR]`: it
// builds the glyph matcher's bank into DIR/cache when it is not there yet
// (seconds) or checks the cached one (its SHA-256 trailer), and prints
// {"file","entries","built","elapsed_ms"}. scripts/ocr/setup.sh runs it so
// that the first document read after an install does not build it. Exit
// codes: 0 the bank is cached, 1 it could not be kept (the directory is not
// writable: every process builds it on its first read), 2 usage, 3 no CJK
// font is installed (the glyph matcher is off).
func RunCheckGlyphs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check glyphs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("ocr-dir", Dir(), "the OCR directory (scripts/ocr/setup.sh); the bank goes into its cache/")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: veriwallet check glyphs [--ocr-dir DIR]")
		return 2
	}
	info := WarmGlyphBank(*dir)
	writeJSON(stdout, info)
	switch {
	case info.Entries == 0:
		fmt.Fprintf(stderr, "check glyphs: no CJK font installed (any of %v; run scripts/ocr/setup.sh)\n", glyphFontPaths())
		return 3
	case info.File == "":
		fmt.Fprintf(stderr, "check glyphs: could not write the bank into %s/cache\n", *dir)
		return 1
	}
	return 0
}
