package main

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"time"

	"github.com/veriwallet/veriwallet/internal/ocr"
)

func eval(args []string) int { return 0 }

func init() {
	extra["lines"] = func(args []string) int {
		e, err := ocr.NewPPOCR(ocr.Dir())
		if err != nil {
			fmt.Fprintln(os.Stderr, ocr.Detail(err))
			return 1
		}
		for _, a := range args {
			f, _ := os.Open(a)
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
