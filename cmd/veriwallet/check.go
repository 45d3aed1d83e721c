package main

import (
	"fmt"
	"io"
)

func check(args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stderr, "veriwallet check: not wired yet")
	return exitCode(2)
}
