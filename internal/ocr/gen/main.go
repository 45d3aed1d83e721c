// Command gen renders labelled synthetic identity documents and measures
// how well the OCR engines read them.
//
//	go run ./internal/ocr/gen generate -n 200 -seed 1 -out /tmp/ocrset
//	go run ./internal/ocr/gen eval -dir /tmp/ocrset [-engines ppocr,tesseract,auto]
//
// generate writes NNNN_KIND.jpg and NNNN_KIND.json (the truth) per document.
// eval reads every document with each engine configuration and prints field
// accuracy per field and engine, and the time per document.
package main

import (
	"fmt"
	"os"

	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/tesseract"
)

func main() {
	tesseract.LimitThreads()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gen generate|eval [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "generate":
		os.Exit(generate(os.Args[2:]))
	case "check":
		os.Exit(ocr.RunCheckDocument(os.Args[2:], os.Stdout, os.Stderr))
	case "eval":
		os.Exit(eval(os.Args[2:]))
	default:
		if f, ok := extra[os.Args[1]]; ok {
			os.Exit(f(os.Args[2:]))
		}
		fmt.Fprintln(os.Stderr, "usage: gen generate|eval [flags]")
		os.Exit(2)
	}
}

// extra holds debugging subcommands.
var extra = map[string]func([]string) int{}
