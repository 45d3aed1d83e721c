package main

import (
	"strings"
	"testing"
)

// TestServeWithoutFaceModels: serve starts without the face models and
// /readyz stays ready (200), listing the faces component as unavailable
// and optional.
func TestServeWithoutFaceModels(t *testing.T) {
	base, _ := startServer(t, map[string]string{"VERIWALLET_FACE_DIR": t.TempDir()})
	st, m := call(t, "GET", base+"/readyz", "", "")
	checks, _ := m["checks"].(map[string]any)
	faces, _ := checks["faces"].(map[string]any)
	if st != 200 || m["status"] != "ready" || faces["status"] != "unavailable" || faces["optional"] != true ||
		!strings.Contains(faces["detail"].(string), "not installed") {
		t.Fatalf("readyz %d %v", st, m)
	}
}
