//go:build !unix

package ocr

import "errors"

// lockFile is not available here: processes starting together may each
// build the bank (the rename into place keeps the file whole).
func lockFile(string) (func(), error) { return nil, errors.New("no file locks on this system") }
