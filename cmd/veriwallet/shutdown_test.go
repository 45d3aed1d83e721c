package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMReleasesJobs: a server told to stop (SIGTERM) while a job is
// stuck in document reading exits within 30 s, cleanly, having cancelled
// the job (River's hard stop after the soft one) so that it is not left
// "running" for the rescue: a server started after it, with a rescue delay
// far longer than the test, decides the case.
func TestSIGTERMReleasesJobs(t *testing.T) {
	dir := t.TempDir()
	levels := filepath.Join(dir, "levels.json")
	if err := os.WriteFile(levels, []byte(quickLevel), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"VERIWALLET_LEVELS_FILE=" + levels, "VERIWALLET_SHUTDOWN_DRAIN=0", "VERIWALLET_RESCUE_AFTER=11m"}
	child, base := startChild(t, dir, append(env, "VW_TEST_READER=stuck", "VERIWALLET_JOB_TIMEOUT=10m")...)
	tok := loginNew(t, base, "term@example.com")
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "document", "testdata", "calib", "004_good.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	docID := uploadDocument(t, base, tok, "id_front", data)
	_, m := callH(t, "POST", base+"/api/v1/verifications", tok, `{"level":"quick"}`, "Idempotency-Key", "c1")
	v, _ := m["verification"].(map[string]any)
	id, _ := v["id"].(string)
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

	sent := time.Now()
	child.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		t.Logf("stopped %.1f s after SIGTERM with a stuck job", time.Since(sent).Seconds())
	case <-time.After(32 * time.Second):
		t.Fatal("still running 32 s after SIGTERM")
	}
	_, base2 := startChild(t, dir, append(env, "VW_TEST_READER=quick", "VERIWALLET_JOB_TIMEOUT=3s")...)
	status := waitStatus(t, base2, tok, id, 60*time.Second, "approved", "retry_required", "rejected", "manual_review")
	t.Logf("case decided %s by the next server (rescue delay 11 min: the job had been released)", status)
}
