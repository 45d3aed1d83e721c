//go:build !unix

package document

import "time"

func processCPU() time.Duration { return 0 }
