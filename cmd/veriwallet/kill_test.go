package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets the test binary act as `veriwallet serve` in a child
// process, so a test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("VW_TEST_SERVE") == "1" {
		if err := run(context.Background(), []string{"serve"}, os.Getenv, os.Stdout, io.Discard); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VW_TEST_SERVE=1", "VERIWALLET_DATA_DIR="+dir, "VERIWALLET_ADDR=127.0.0.1:0", "VERIWALLET_INSECURE_FAST_HASH=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child did not start: %v", err)
	}
	go io.Copy(io.Discard, out)
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "veriwallet listening on "))
}

func tusReq(t *testing.T, method, url, token string, body []byte, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestUploadSurvivesKill: a process killed with SIGKILL in the middle of an
// upload keeps every acknowledged byte; after a restart the client resumes
// from the server's offset and the document is exactly what was sent.
func TestUploadSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	child, base := startChild(t, dir)
	if st, _ := call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"k@example.com","password":"a fine password","accept_terms_version":"2026-11-01"}`); st != 201 {
		t.Fatalf("register %d", st)
	}
	_, m := call(t, "POST", base+"/api/v1/auth/login", "", `{"email":"k@example.com","password":"a fine password"}`)
	tok, _ := m["token"].(string)
	if st, _ := call(t, "POST", base+"/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"2026-11-01"}`); st != 201 {
		t.Fatalf("consent %d", st)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "document", "testdata", "calib", "004_good.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	res := tusReq(t, "POST", base+"/api/v1/uploads/", tok, nil, "Upload-Length", strconv.Itoa(len(data)))
	loc := res.Header.Get("Location")
	if res.StatusCode != 201 || loc == "" {
		t.Fatalf("create: %d", res.StatusCode)
	}
	half := len(data) / 2
	if res := tusReq(t, "PATCH", loc, tok, data[:half], "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"); res.StatusCode != 204 {
		t.Fatalf("patch: %d", res.StatusCode)
	}
	// kill -9, then start again on the same data directory.
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	_, base2 := startChild(t, dir)
	loc = base2 + loc[strings.Index(loc, "/api/"):]
	res = tusReq(t, "HEAD", loc, tok, nil)
	if res.StatusCode != 200 || res.Header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("after restart: %d offset %q, want %d", res.StatusCode, res.Header.Get("Upload-Offset"), half)
	}
	if res := tusReq(t, "PATCH", loc, tok, data[half:], "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(half)); res.StatusCode != 204 {
		t.Fatalf("resume: %d", res.StatusCode)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	st, doc := call(t, "POST", base2+"/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`)
	sum := sha256.Sum256(data)
	d, _ := doc["document"].(map[string]any)
	if st != 201 || d["sha256"] != hex.EncodeToString(sum[:]) {
		b, _ := json.Marshal(doc)
		t.Fatalf("document after resume: %d %s", st, b)
	}
}
