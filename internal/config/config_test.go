package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.DB != filepath.Join("data", "veriwallet.db") ||
		c.SessionTTL != 168*time.Hour || c.MaxUploadBytes != 10<<20 || c.MasterKey != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsEnvAndFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "key")
	os.WriteFile(secret, []byte("c2VjcmV0\n"), 0o600)
	c, err := Load("serve", []string{"--addr", "0.0.0.0:9000"}, env(map[string]string{
		"VERIWALLET_ADDR": "127.0.0.1:1", "VERIWALLET_DATA_DIR": "/srv/vw", "VERIWALLET_MASTER_KEY_FILE": secret,
		"VERIWALLET_DB": "postgres://u@h/db", "VERIWALLET_TRUST_PROXY": "true"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.DataDir != "/srv/vw" || c.MasterKey != "c2VjcmV0" || c.DB != "postgres://u@h/db" || !c.TrustProxy {
		t.Fatalf("%+v", c)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "nonsense"}, nil, "addr"},
		{[]string{"--log-level", "loud"}, nil, "log-level"},
		{nil, map[string]string{"VERIWALLET_SESSION_TTL": "1s"}, "session-ttl"},
		{nil, map[string]string{"VERIWALLET_SESSION_TTL": "forever"}, "session-ttl"},
		{nil, map[string]string{"VERIWALLET_TRUST_PROXY": "maybe"}, "trust-proxy"},
		{nil, map[string]string{"VERIWALLET_MAX_UPLOAD_BYTES": "10"}, "max-upload-bytes"},
		{nil, map[string]string{"VERIWALLET_MASTER_KEY_FILE": "/nonexistent/key"}, "VERIWALLET_MASTER_KEY_FILE"},
		{[]string{"extra"}, nil, "unexpected"},
	} {
		if _, err := Load("serve", tc.args, env(tc.env), io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want %s", tc.args, tc.env, err, tc.want)
		}
	}
}
