// Package idrules holds the pure rules veriwallet applies to identity data
// typed or read by a customer: mainland resident ID numbers (GB 11643-1999),
// residence permits for Hong Kong, Macau and Taiwan residents, foreigner
// permanent residence ID cards, mainland travel permits, ICAO Doc 9303
// machine-readable zones, personal names and phone numbers.
//
// Nothing here does I/O. Every check returns what it could parse together
// with a list of Reason values: a stable code, the field it concerns and a
// message and a hint in zh-CN and en. A result is valid when none of its
// reasons is an error (see Valid); warnings are information for a reviewer
// or the customer and never make a result invalid.
//
// The region and country tables are generated: run `go generate` in this
// directory (it needs npm and the network; see gen/main.go).
package idrules

//go:generate go run ./gen .
