package main

import (
	"context"
	"fmt"
	"image"
	"os"
	"time"

	"github.com/veriwallet/veriwallet/internal/ocr"
)

// "lines FILE…" prints what PP-OCR reads, line by line (a debugging aid).
func init() {
	extra["lines"] = func(args []string) int {
		e, err := ocr.NewPPOCR(ocr.Dir())
		if err != nil {
			fmt.Fprintln(os.Stderr, ocr.Detail(err))
			return 1
		}
		defer e.Close()
		for _, a := range args {
			f, err := os.Open(a)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			t := time.Now()
			lines, err := e.Read(context.Background(), img, ocr.Options{})
			fmt.Println(a, time.Since(t), err)
			for _, l := range lines {
				fmt.Printf("  %.2f %v %.1f %q\n", l.Confidence, l.Box, l.Angle, l.Text)
			}
		}
		return 0
	}
}
