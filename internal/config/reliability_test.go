package config

import (
	"io"
	"slices"
	"testing"
	"time"
)

// TestReliabilitySettings: the job timeout and rescue delay (defaults that
// decide a crashed case within 2 minutes), the registration limit and the
// upload endpoint's allowed origins.
func TestReliabilitySettings(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.JobTimeout != 45*time.Second || c.RescueAfter != 50*time.Second || c.RegisterLimit != 10 || len(c.AllowedOrigins) != 0 {
		t.Fatalf("defaults: %+v", c)
	}
	// River's rescuer looks every 30 s; a rescued job waits up to 5 s for
	// the scheduler and runs again (about a second): within 2 minutes.
	if c.RescueAfter+30*time.Second+5*time.Second+c.JobTimeout/3 > 2*time.Minute {
		t.Fatalf("defaults miss the 2-minute goal: %s", c.RescueAfter)
	}
	c, err = Load("serve", []string{"--rescue-after", "5s", "--allowed-origins", "https://a.example, http://b.example:8080/"}, env(map[string]string{
		"VERIWALLET_JOB_TIMEOUT": "2s", "VERIWALLET_REGISTER_LIMIT": "3"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.JobTimeout != 2*time.Second || c.RescueAfter != 5*time.Second || c.RegisterLimit != 3 ||
		!slices.Equal(c.AllowedOrigins, []string{"https://a.example", "http://b.example:8080"}) {
		t.Fatalf("%+v", c)
	}
	for _, args := range [][]string{
		{"--job-timeout", "1m", "--rescue-after", "1m"},
		{"--job-timeout", "10ms"},
		{"--register-limit", "0"},
		{"--register-limit", "x"},
		{"--allowed-origins", "*"},
		{"--allowed-origins", "https://a.example/path"},
	} {
		if _, err := Load("serve", args, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
