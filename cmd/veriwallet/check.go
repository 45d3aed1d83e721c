package main

import (
	"io"
	"time"

	"github.com/veriwallet/veriwallet/internal/checkcmd"
)

// check runs `veriwallet check …`; its exit status says valid (0), invalid (1)
// or usage error (2).
func check(args []string, stdout, stderr io.Writer) error {
	if code := checkcmd.Run(args, stdout, stderr, time.Now); code != 0 {
		return exitCode(code)
	}
	return nil
}
