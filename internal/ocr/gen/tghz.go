package main

import (
	"bufio"
	"compress/bzip2"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// "tghz -unihan FILE -out FILE" writes the characters of the 通用规范汉字表
// (Unihan's kTGHZ2013 field; Debian's unicode-data ships the file) for the
// glyph matcher: internal/ocr/data/tghz2013.txt, 64 characters a line, in
// code point order.
func init() {
	extra["tghz"] = func(args []string) int {
		fs := flag.NewFlagSet("tghz", flag.ContinueOnError)
		in := fs.String("unihan", "/usr/share/unicode/Unihan_Readings.txt.bz2", "Unihan readings file (.txt or .txt.bz2)")
		out := fs.String("out", "internal/ocr/data/tghz2013.txt", "output")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		var sc *bufio.Scanner
		if strings.HasSuffix(*in, ".bz2") {
			sc = bufio.NewScanner(bzip2.NewReader(f))
		} else {
			sc = bufio.NewScanner(f)
		}
		var chars []rune
		for sc.Scan() {
			parts := strings.Split(sc.Text(), "\t")
			if len(parts) < 3 || parts[1] != "kTGHZ2013" || !strings.HasPrefix(parts[0], "U+") {
				continue
			}
			cp, err := strconv.ParseUint(parts[0][2:], 16, 32)
			if err != nil {
				continue
			}
			chars = append(chars, rune(cp))
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		sort.Slice(chars, func(i, j int) bool { return chars[i] < chars[j] })
		var b strings.Builder
		for i := 0; i < len(chars); i += 64 {
			b.WriteString(string(chars[i:min(i+64, len(chars))]) + "\n")
		}
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "%d characters -> %s\n", len(chars), *out)
		return 0
	}
}
