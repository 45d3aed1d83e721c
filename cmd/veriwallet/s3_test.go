package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/veriwallet/veriwallet/internal/blob/s3test"
)

// TestServeOnS3: `serve` with --blob s3://… keeps documents and tus
// segments in the bucket, sealed: an upload started on one server, which
// is then killed with SIGKILL, is finished on another (same database, same
// bucket); the document is exactly what was sent; nothing in the bucket
// holds the photo's bytes and nothing lands in the data directory's blobs;
// `keys rotate` re-wraps the objects in the bucket.
func TestServeOnS3(t *testing.T) {
	srv := s3test.Start(t)
	env := srv.Env("vw/prod")
	dir := t.TempDir()
	a, base := startChild(t, dir, env...)
	tok := loginNew(t, base, "s3@example.com")
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
	a.Process.Signal(syscall.SIGKILL)
	a.Wait()
	_, base2 := startChild(t, dir, env...)
	loc = base2 + loc[strings.Index(loc, "/api/"):]
	if res := tusReq(t, "HEAD", loc, tok, nil); res.StatusCode != 200 || res.Header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("on the second server: %d offset %q, want %d", res.StatusCode, res.Header.Get("Upload-Offset"), half)
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
		t.Fatalf("document: %d %s", st, b)
	}
	// A photo sent in one request lands in the bucket too.
	uploadDocument(t, base2, tok, "id_back", data)

	// The bucket holds sealed objects only; no 64-byte run of the photo
	// appears in any of them.
	objects := 0
	root := filepath.Join(srv.Dir, srv.Bucket, "vw", "prod")
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		objects++
		b, _ := os.ReadFile(p)
		if !bytes.HasPrefix(b, []byte("VWK")) {
			t.Errorf("%s is not sealed", p)
		}
		for i := 0; i+64 <= len(data); i += 4096 {
			if bytes.Contains(b, data[i:i+64]) {
				t.Errorf("%s holds the photo's bytes at %d", p, i)
				break
			}
		}
		return nil
	})
	if objects < 3 { // at least the document's files and a segment
		t.Errorf("%d objects in the bucket under vw/prod", objects)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "blobs")); len(ents) != 0 {
		t.Errorf("the local blob directory is used: %v", ents)
	}

	// keys rotate re-wraps the bucket's objects (the server may run on).
	getenv := func(k string) string {
		for _, kv := range env {
			if key, v, _ := strings.Cut(kv, "="); key == k {
				return v
			}
		}
		return map[string]string{"VERIWALLET_DATA_DIR": dir}[k]
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"keys", "rotate"}, getenv, &out, &errb); err != nil {
		t.Fatalf("keys rotate: %v %s", err, errb.String())
	}
	var rot struct {
		Objects int `json:"rewrapped_objects"`
	}
	if json.Unmarshal(out.Bytes(), &rot) != nil || rot.Objects < 3 {
		t.Errorf("keys rotate on S3: %s", out.String())
	}
}

// TestServeS3StartErrors: a wrong bucket, wrong keys or an endpoint that
// does not answer stop `veriwallet serve` before it listens: exit status
// 1 and one readable line with the stable code.
func TestServeS3StartErrors(t *testing.T) {
	srv := s3test.Start(t)
	closed := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}()
	cases := []struct {
		name string
		env  []string
		says []string
	}{
		{"missing bucket", []string{"VERIWALLET_BLOB=s3://no-such-bucket/vw"},
			[]string{"BLOB_S3_BUCKET_MISSING", "does not exist", `"no-such-bucket"`, srv.Endpoint}},
		{"wrong secret", []string{"AWS_SECRET_ACCESS_KEY=not-the-secret"},
			[]string{"BLOB_S3_ACCESS_DENIED", "AWS_SECRET_ACCESS_KEY"}},
		{"unknown key", []string{"AWS_ACCESS_KEY_ID=nobody"},
			[]string{"BLOB_S3_ACCESS_DENIED"}},
		{"nothing listens", []string{"AWS_ENDPOINT_URL=" + closed, "VERIWALLET_S3_RETRIES=2"},
			[]string{"BLOB_S3_UNREACHABLE", closed}},
		{"bad URL", []string{"VERIWALLET_BLOB=s3://Bad_Bucket"},
			[]string{"BLOB_S3_CONFIG_INVALID", "Bad_Bucket"}},
		{"bad setting", []string{"VERIWALLET_S3_PATH_STYLE=sideways"},
			[]string{"configuration", "s3-path-style"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--dev")
			// The later value of a variable wins.
			cmd.Env = append(append(append(os.Environ(), "VW_TEST_MAIN=1", "VERIWALLET_DATA_DIR="+t.TempDir(),
				"VERIWALLET_ADDR=127.0.0.1:0"), srv.Env("vw")...), c.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v; stdout %s", err, stdout.String())
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Error("the server listened")
			}
			// The last line is main's: "veriwallet: <why>".
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "veriwallet: ") {
				t.Fatalf("last line %q", last)
			}
			for _, s := range c.says {
				if !strings.Contains(last, s) {
					t.Errorf("%q does not say %q", last, s)
				}
			}
			if strings.Contains(stderr.String(), srv.SecretKey) {
				t.Error("the secret key was printed")
			}
		})
	}
}
