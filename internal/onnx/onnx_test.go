package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitOnce: a library that does not load fails, and every later call
// returns that first error (one runtime per process), whatever it names.
// The test runs in its own process (this package's test binary).
func TestInitOnce(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	os.WriteFile(bad, []byte("not a library"), 0o644)
	err := Init(bad)
	if err == nil {
		t.Fatal("Init(not a library): want an error")
	}
	if !strings.Contains(err.Error(), "onnxruntime") {
		t.Errorf("error %q does not say what failed", err)
	}
	if err2 := Init("/elsewhere/libonnxruntime.so.1"); err2 != err {
		t.Errorf("second Init = %v, want the first error %v", err2, err)
	}
	if Version() != "" {
		t.Errorf("Version after a failed Init = %q, want empty", Version())
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.so")
	os.WriteFile(real, nil, 0o644)
	link := filepath.Join(dir, "link.so")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if resolve(link) != resolve(real) {
		t.Errorf("a link and its target resolve differently: %s, %s", resolve(link), resolve(real))
	}
}
