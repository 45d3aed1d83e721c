// Package onnx loads the ONNX Runtime shared library once per process for
// every package that runs ONNX models (internal/ocr, internal/face).
package onnx

import (
	"fmt"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	mu      sync.Mutex
	loaded  string // resolved path of the library the environment was built from
	firstEr error  // the first failure, returned to every later caller
	tried   bool
)

// Init loads the ONNX Runtime library at lib and initialises its
// environment, once per process. Later calls with the same library (after
// resolving symbolic links) return the first call's result; a call naming
// another library fails, since one process can hold only one runtime.
// Errors: the library cannot be loaded or initialised; a different library
// is already loaded.
func Init(lib string) error {
	mu.Lock()
	defer mu.Unlock()
	resolved := resolve(lib)
	if tried {
		if firstEr != nil {
			return firstEr
		}
		if loaded != resolved {
			return fmt.Errorf("onnxruntime already loaded from %s", loaded)
		}
		return nil
	}
	if ort.IsInitialized() { // initialised outside this package (tests of other tools)
		tried, loaded = true, resolved
		return nil
	}
	tried = true
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		firstEr = fmt.Errorf("onnxruntime: %w", err)
		return firstEr
	}
	loaded = resolved
	return nil
}

// Version is the loaded runtime's version ("" before a successful Init).
func Version() string {
	mu.Lock()
	defer mu.Unlock()
	if !tried || firstEr != nil {
		return ""
	}
	return ort.GetVersion()
}

func resolve(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
