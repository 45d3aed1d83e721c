package idrules

import (
	"errors"
	"strconv"
	"time"
)

// Date is a calendar date without a time zone, as printed on documents.
// The zero Date means "unknown".
type Date struct {
	Year, Month, Day int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, int(m), d}
}

// ParseDate parses YYYY-MM-DD; ok is false unless s is a real date.
func ParseDate(s string) (d Date, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	dd, ok3 := digits(s[8:10])
	d = Date{y, m, dd}
	if !ok1 || !ok2 || !ok3 || !d.Valid() {
		return Date{}, false
	}
	return d, true
}

// IsZero reports whether d is the zero (unknown) date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real Gregorian date in years 1 to 9999.
func (d Date) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && d.Month >= 1 && d.Month <= 12 &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// String formats d as YYYY-MM-DD ("" for the zero date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	b := make([]byte, 0, 10)
	b = appendPadded(b, d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, d.Month, 2)
	b = append(b, '-')
	b = appendPadded(b, d.Day, 2)
	return string(b)
}

// MarshalText formats d as YYYY-MM-DD (empty for the zero date), so Dates
// appear in JSON as strings.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses YYYY-MM-DD; the empty string is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, ok := ParseDate(string(b))
	if !ok {
		return errors.New("idrules: date must be YYYY-MM-DD")
	}
	*d = v
	return nil
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.compare(o) > 0 }

func (d Date) compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return d.Year - o.Year
	case d.Month != o.Month:
		return d.Month - o.Month
	}
	return d.Day - o.Day
}

// AgeOn returns the age in whole years of someone born on d, on date at.
// Someone born on 29 February becomes a year older on 1 March in common
// years. The result is negative when at is before d.
func (d Date) AgeOn(at Date) int {
	age := at.Year - d.Year
	if at.Month < d.Month || (at.Month == d.Month && at.Day < d.Day) {
		age--
	}
	return age
}

// AgeOn returns the age in whole years, on the calendar date of at, of
// someone born on the calendar date of birth (each read in its own location).
func AgeOn(birth, at time.Time) int { return DateOf(birth).AgeOn(DateOf(at)) }

// MinorAge is the age of majority in mainland China (Civil Code art. 17).
const MinorAge = 18

// IsMinor reports whether someone born on birth is under 18 on at.
func IsMinor(birth, at time.Time) bool { return AgeOn(birth, at) < MinorAge }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// digits parses a short all-digit string without allocating.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
