package idrules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	d := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 10, 0, 0, 0, time.UTC) }
	tests := []struct {
		birth, at time.Time
		age       int
		minor     bool
	}{
		{d(2008, 1, 15), d(2026, 1, 15), 18, false},
		{d(2008, 1, 16), d(2026, 1, 15), 17, true},
		{d(1949, 12, 31), d(2026, 1, 15), 76, false},
		{d(2004, 2, 29), d(2022, 2, 28), 17, true}, // leap-day birthday: one year older on 1 March
		{d(2004, 2, 29), d(2022, 3, 1), 18, false},
		{d(2004, 2, 29), d(2024, 2, 29), 20, false},
		{d(2026, 1, 15), d(2026, 1, 15), 0, true},
		{d(2027, 1, 1), d(2026, 1, 15), -1, true},
	}
	for _, tt := range tests {
		if got := AgeOn(tt.birth, tt.at); got != tt.age {
			t.Errorf("AgeOn(%v, %v) = %d, want %d", tt.birth, tt.at, got, tt.age)
		}
		if got := IsMinor(tt.birth, tt.at); got != tt.minor {
			t.Errorf("IsMinor(%v, %v) = %v", tt.birth, tt.at, got)
		}
	}
	// The calendar date in the given location counts, not UTC.
	sh := time.FixedZone("CST", 8*3600)
	if got := AgeOn(time.Date(2008, 1, 16, 0, 0, 0, 0, sh), time.Date(2026, 1, 16, 1, 0, 0, 0, sh)); got != 18 {
		t.Errorf("age in +08:00 = %d", got)
	}
}

func TestParseDate(t *testing.T) {
	good := map[string]Date{"2026-01-15": {2026, 1, 15}, "2000-02-29": {2000, 2, 29}, "0001-01-01": {1, 1, 1}}
	for s, want := range good {
		if got, ok := ParseDate(s); !ok || got != want || got.String() != s {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "2026-1-15", "2026/01/15", "1900-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "abcd-ef-gh"} {
		if _, ok := ParseDate(s); ok {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("zero date")
	}
	if got := (Date{2026, 1, 15}).Time(); !got.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(IDNumber{Type: IDCNResident, BirthDate: Date{1949, 12, 31}})
	if err != nil || !strings.Contains(string(b), `"birth_date":"1949-12-31"`) || strings.Contains(string(b), "region") {
		t.Errorf("IDNumber JSON = %s, %v", b, err)
	}
	var d Date
	if err := json.Unmarshal([]byte(`"2000-02-29"`), &d); err != nil || d != (Date{2000, 2, 29}) {
		t.Errorf("unmarshal = %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"2001-02-29"`), &d); err == nil {
		t.Error("2001-02-29 accepted")
	}
	if err := json.Unmarshal([]byte(`""`), &d); err != nil || !d.IsZero() {
		t.Errorf("empty = %v, %v", d, err)
	}
}
