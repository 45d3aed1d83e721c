package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestMaintenanceCommand: start opens a window now, stop ends it (and says
// so when there is none), schedule plans one and refuses a bad range.
func TestMaintenanceCommand(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"VERIWALLET_DATA_DIR": dir}[k] }
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"maintenance", "start", "--for", "30m", "--note-en", "Upgrade.", "--note-zh", "升级。"}, env, &out, &errb); err != nil ||
		!strings.Contains(out.String(), `"en":"Upgrade."`) {
		t.Fatalf("start: %v %s %s", err, out.String(), errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"maintenance", "stop"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"stopped":1`) {
		t.Fatalf("stop: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"maintenance", "stop"}, env, &out, &errb); err == nil || !strings.Contains(err.Error(), "NO_MAINTENANCE") {
		t.Fatalf("second stop: %v", err)
	}
	s := time.Now().Add(24 * time.Hour).UTC()
	out.Reset()
	if err := run(ctx, []string{"maintenance", "schedule", "--start", s.Format(time.RFC3339), "--end", s.Add(time.Hour).Format(time.RFC3339)}, env, &out, &errb); err != nil ||
		!strings.Contains(out.String(), s.Format("2006-01-02T15:04:05Z")) {
		t.Fatalf("schedule: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"maintenance", "schedule", "--start", s.Format(time.RFC3339), "--end", s.Add(-time.Hour).Format(time.RFC3339)}, env, &out, &errb); err == nil {
		t.Fatal("end before start accepted")
	}
	if err := run(ctx, []string{"maintenance", "pause"}, env, &out, &errb); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}
