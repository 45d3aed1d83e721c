package s3test

import "syscall"

// sysProcAttr kills the server when the process that started it dies
// (a test binary killed by a timeout leaves no server behind).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
