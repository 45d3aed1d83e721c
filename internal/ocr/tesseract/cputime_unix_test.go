//go:build unix

package tesseract_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the test process has used,
// so benchmarks can report CPU per operation even on a busy machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
