package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"VERIWALLET_DATA_DIR": dir}[k] }
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"admin", "create-api-key", "--name", "bank", "--scope", "wallet:deposit,wallet:withdrawals"}, env, &out, &errb); err != nil {
		t.Fatalf("create: %v %s", err, errb.String())
	}
	var created struct {
		Key    string `json:"key"`
		APIKey struct {
			ID     string   `json:"id"`
			Scopes []string `json:"scopes"`
		} `json:"api_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil || !strings.HasPrefix(created.Key, "vwk_") || len(created.APIKey.Scopes) != 2 {
		t.Fatalf("create printed %s (%v)", out.String(), err)
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "create-api-key", "--name", "x", "--scope", "wallet:all"}, env, &out, &errb); err == nil || !strings.Contains(err.Error(), "API_KEY_SCOPE") {
		t.Fatalf("bad scope: %v", err)
	}
	if err := run(ctx, []string{"admin", "list-api-keys"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), created.APIKey.ID) || strings.Contains(out.String(), created.Key) {
		t.Fatalf("list: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "revoke-api-key", created.APIKey.ID}, env, &out, &errb); err != nil || !strings.Contains(out.String(), created.APIKey.ID) {
		t.Fatalf("revoke: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "list-api-keys"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"revoked_at"`) {
		t.Fatalf("list after revoke: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"admin", "revoke-api-key"}, env, &out, &errb); err != exitCode(2) {
		t.Fatalf("revoke without id: %v", err)
	}
}
