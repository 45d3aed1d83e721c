package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestMain lets the test binary act as `veriwallet serve` in a child
// process, so a test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("VW_TEST_MAIN") == "1" { // main itself, on the arguments after "--"
		args := os.Args[slices.Index(os.Args, "--")+1:]
		os.Exit(exitStatus(run(context.Background(), args, os.Getenv, os.Stdout, os.Stderr), os.Stderr))
	}
	if os.Getenv("VW_TEST_SERVE") == "1" {
		switch os.Getenv("VW_TEST_READER") {
		case "stuck":
			// Document reading that never finishes (until its job's
			// context ends): the test kills this process mid-case.
			testOptions = func(o *app.Options) { o.Reader = stuckReader{} }
		case "quick":
			// Reading that finds nothing, at once: what is measured is
			// the rescue, not OCR on a busy machine.
			testOptions = func(o *app.Options) { o.Reader = quickReader{} }
		}
		// SIGTERM stops it as it stops the binary (main).
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := run(ctx, []string{"serve", "--dev"}, os.Getenv, os.Stdout, io.Discard); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// stuckReader is a document reader stuck in its work, as an OCR engine on
// a pathological photo can be.
type stuckReader struct{}

func (stuckReader) Available() error    { return nil }
func (stuckReader) CanRead(string) bool { return true }
func (stuckReader) Read(ctx context.Context, _ document.Kind, _ []byte) (verification.Reading, error) {
	<-ctx.Done()
	return verification.Reading{}, ctx.Err()
}

// quickReader reads nothing, quickly.
type quickReader struct{}

func (quickReader) Available() error    { return nil }
func (quickReader) CanRead(string) bool { return true }
func (quickReader) Read(context.Context, document.Kind, []byte) (verification.Reading, error) {
	return verification.Reading{Fields: verification.ReadFields{}, Engine: "quick", Version: "0"}, nil
}

func startChild(t *testing.T, dir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VW_TEST_SERVE=1", "VERIWALLET_DATA_DIR="+dir, "VERIWALLET_ADDR=127.0.0.1:0", "VERIWALLET_INSECURE_FAST_HASH=1")
	cmd.Env = append(cmd.Env, env...)
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
	if st, _ := call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"k@example.com","password":"a fine password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register %d", st)
	}
	_, m := call(t, "POST", base+"/api/v1/auth/login", "", `{"email":"k@example.com","password":"a fine password"}`)
	tok, _ := m["token"].(string)
	if st, _ := call(t, "POST", base+"/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); st != 201 {
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

// quickLevel is a verification level with one document that is read, and
// no phone confirmation, so a test gets a case into processing quickly.
const quickLevel = `{"levels":[{"name":"quick","title":{"en":"Quick","zh":"快速"},
 "fields":["full_name","id_type","id_number"],"confirm_phone":false,"id_types":["cn_resident"],
 "documents":{"cn_resident":[{"any_of":["id_front"]}]},
 "checks":["document_quality","document_read"]}],
 "minor_age":18,"minimum_age":0,"minor":{},"foreigner":{}}`

// TestCrashedCaseIsDecided: a server killed with SIGKILL while it reads a
// case's documents leaves the case "processing" and its job "running".
// Started again on the same database, the server runs the job again once
// it has been running longer than --rescue-after, and the case is decided.
// Short --job-timeout and --rescue-after keep the test fast; with the
// defaults (45 s, 50 s) the same path takes at most about 90 s
// (VW_CRASH_DEFAULTS=1 runs it with them, allowing 2 minutes).
func TestCrashedCaseIsDecided(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			levels := filepath.Join(dir, "levels.json")
			if err := os.WriteFile(levels, []byte(quickLevel), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"VERIWALLET_LEVELS_FILE=" + levels}
			if engine == sqlstore.Postgres {
				env = append(env, "VERIWALLET_DB="+sqltest.DSN(t, engine))
			}
			// The first server's own job timeout is long: only a crash
			// can strand its job.
			child, base := startChild(t, dir, append(env, "VW_TEST_READER=stuck",
				"VERIWALLET_JOB_TIMEOUT=10m", "VERIWALLET_RESCUE_AFTER=11m")...)
			tok := loginNew(t, base, "crash@example.com")
			data, err := os.ReadFile(filepath.Join("..", "..", "internal", "document", "testdata", "calib", "004_good.jpg"))
			if err != nil {
				t.Fatal(err)
			}
			docID := uploadDocument(t, base, tok, "id_front", data)
			st, m := callH(t, "POST", base+"/api/v1/verifications", tok, `{"level":"quick"}`, "Idempotency-Key", "c1")
			v, _ := m["verification"].(map[string]any)
			id, _ := v["id"].(string)
			if st != 201 && st != 200 || id == "" {
				t.Fatalf("create case: %d %v", st, m)
			}
			if st, m := call(t, "PUT", base+"/api/v1/verifications/"+id+"/applicant", tok,
				`{"full_name":"王小明","id_type":"cn_resident","id_number":"110105199003071239"}`); st != 200 {
				t.Fatalf("applicant: %d %v", st, m)
			}
			if st, m := call(t, "POST", base+"/api/v1/verifications/"+id+"/documents", tok, `{"kind":"id_front","document_id":"`+docID+`"}`); st >= 300 {
				t.Fatalf("attach: %d %v", st, m)
			}
			if st, m := callH(t, "POST", base+"/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "s1"); st != 202 {
				t.Fatalf("submit: %d %v", st, m)
			}
			waitStatus(t, base, tok, id, 20*time.Second, "processing")

			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			killed := time.Now()
			rescue, within := []string{"VW_TEST_READER=quick", "VERIWALLET_JOB_TIMEOUT=3s", "VERIWALLET_RESCUE_AFTER=4s"}, time.Minute
			if os.Getenv("VW_CRASH_DEFAULTS") == "1" { // measure the defaults: the 2-minute goal
				rescue, within = []string{"VW_TEST_READER=quick"}, 2*time.Minute
			}
			_, base2 := startChild(t, dir, append(env, rescue...)...)
			// River's leader lease of the killed server lapses within 15 s
			// (plus an election interval); the new leader's rescuer looks at
			// once, then every 30 s; the scheduler makes the job available
			// within 5 s.
			status := waitStatus(t, base2, tok, id, within, "approved", "retry_required", "rejected", "manual_review")
			t.Logf("%s: case %s decided %s %.1f s after the kill", engine, id, status, time.Since(killed).Seconds())
			// Decided once: one decision event, one message.
			st, m = call(t, "GET", base2+"/api/v1/messages", tok, "")
			if msgs, _ := m["messages"].([]any); st == 200 && len(msgs) != 1 {
				t.Errorf("messages after the rescue: %d, want 1 (%v)", len(msgs), m)
			}
		})
	}
}

func loginNew(t *testing.T, base, email string) string {
	t.Helper()
	if st, m := call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"`+email+`","password":"a fine password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`); st != 201 {
		t.Fatalf("register %d %v", st, m)
	}
	_, m := call(t, "POST", base+"/api/v1/auth/login", "", `{"email":"`+email+`","password":"a fine password"}`)
	tok, _ := m["token"].(string)
	if tok == "" {
		t.Fatalf("login: %v", m)
	}
	if st, m := call(t, "POST", base+"/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); st != 201 {
		t.Fatalf("consent %d %v", st, m)
	}
	return tok
}

func uploadDocument(t *testing.T, base, tok, kind string, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("kind", kind)
	f, _ := w.CreateFormFile("file", "photo.jpg")
	f.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	d, _ := m["document"].(map[string]any)
	id, _ := d["id"].(string)
	if res.StatusCode != 201 || id == "" || d["quality"].(map[string]any)["accepted"] != true {
		t.Fatalf("upload: %d %v", res.StatusCode, m)
	}
	return id
}

func callH(t *testing.T, method, url, token, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// waitStatus polls the case until its status is one of want.
func waitStatus(t *testing.T, base, tok, id string, within time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for time.Now().Before(deadline) {
		st, m := call(t, "GET", base+"/api/v1/verifications/"+id, tok, "")
		v, _ := m["verification"].(map[string]any)
		if s, _ := v["status"].(string); st == 200 {
			last = s
			if slices.Contains(want, s) {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("case %s still %q after %s, want one of %v", id, last, within, want)
	return ""
}
