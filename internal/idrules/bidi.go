package idrules

import (
	"fmt"
	"strings"
	"unicode"
)

// IsBidiControl reports whether r is a bidirectional formatting character:
// the embeddings and overrides U+202A–U+202E (U+202E, RIGHT-TO-LEFT
// OVERRIDE, shows "gpj.exe" as "exe.jpg"), the isolates U+2066–U+2069, the
// marks U+200E, U+200F and U+061C. They are invisible, mean nothing in a
// name, an address or an occupation, and can make what a reviewer reads
// differ from what is stored.
func IsBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// StripBidi returns s without its bidirectional formatting characters.
func StripBidi(s string) string {
	if strings.IndexFunc(s, IsBidiControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// showRune is r as it can be shown inside a message: itself when it is
// visible, else its code point (an invisible or direction-changing
// character would garble the message around it).
func showRune(r rune) string {
	if IsBidiControl(r) || unicode.Is(unicode.Cf, r) || !unicode.IsPrint(r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}
