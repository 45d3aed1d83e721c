// Package errs is veriwallet's one error type: a Kind that decides the HTTP
// status, a stable machine code, the field it concerns and a message in both
// languages. Domain packages return *Error for anything a caller could act on;
// anything else is treated as Internal.
package errs

import (
	"errors"
	"fmt"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Kind classifies an error; the API maps each Kind to one HTTP status.
type Kind int

// The kinds of error.
const (
	Internal         Kind = iota // our fault; never shown in detail
	Invalid                      // the request is malformed or a field is wrong (400/422)
	Unauthenticated              // no or bad credentials (401)
	Permission                   // authenticated but not allowed (403)
	NotFound                     // no such thing, or not visible to the caller (404)
	Conflict                     // state conflict, duplicate (409)
	TooLarge                     // body or file too large (413)
	Unsupported                  // unsupported media type (415)
	TooMany                      // rate limited or attempts exhausted (429)
	Unavailable                  // a dependency is down; retry later (503)
	MethodNotAllowed             // the path exists, the method does not (405)
	ChecksumMismatch             // a tus chunk arrived damaged (460, tus checksum extension)
)

// Error is a domain error with a stable code.
type Error struct {
	Kind       Kind
	Code       string    // stable, e.g. "EMAIL_TAKEN"
	Field      string    // the input field it concerns, if any
	Message    i18n.Text // for the customer, both languages
	RetryAfter time.Duration
	Err        error // wrapped cause, never shown to clients
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message.EN
	if e.Field != "" {
		s = e.Code + " (" + e.Field + "): " + e.Message.EN
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a code and a message in both languages.
func New(k Kind, code, en, zh string) *Error {
	return &Error{Kind: k, Code: code, Message: i18n.T(en, zh)}
}

// OnField returns a copy of e that names the field it concerns.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// Wrap returns a copy of e with cause attached (for logs, not clients).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// Internalf wraps an unexpected failure as an Internal error.
func Internalf(format string, args ...any) *Error {
	return &Error{Kind: Internal, Code: "INTERNAL", Message: i18n.T(
		"Something went wrong on our side. Please try again; nothing you sent was lost.",
		"我们这边出了点问题，请稍后重试；您提交的内容没有丢失。"), Err: fmt.Errorf(format, args...)}
}

// As returns the *Error in err's chain, or an Internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internalf("%w", err)
}

// KindOf returns the Kind of err (Internal when it is not an *Error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
