//go:build !linux

package main

import "os"

// noEcho cannot turn echo off here: the password is read as typed.
func noEcho(f *os.File) (restore func(), ok bool) { return nil, false }

// isTerminal cannot tell here: plain progress lines.
func isTerminal(w any) bool { return false }
