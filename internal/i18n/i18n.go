// Package i18n holds the two languages veriwallet speaks (zh-CN and en) and
// the small helpers that pick one for a request.
package i18n

import (
	"net/http"
	"strings"
)

// Lang is a supported language tag.
type Lang string

// The supported languages.
const (
	EN Lang = "en"
	ZH Lang = "zh-CN"
)

// Text is one message in both languages.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// T builds a Text from its English and Chinese forms.
func T(en, zh string) Text { return Text{EN: en, ZH: zh} }

// In returns the message in lang (English for anything but Chinese).
func (t Text) In(lang Lang) string {
	if lang == ZH && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// Parse maps a language tag or an Accept-Language header to a Lang: zh-CN when
// the first language it names with a non-zero weight is Chinese, en otherwise.
func Parse(s string) Lang {
	for _, part := range strings.Split(s, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" || tag == "*" {
			continue
		}
		if strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") &&
			!strings.Contains(params, "q=0.") {
			continue
		}
		if tag == "zh" || strings.HasPrefix(tag, "zh-") {
			return ZH
		}
		return EN
	}
	return EN
}

// FromRequest picks the language of a request: the "lang" cookie when set
// (the web language switch), then Accept-Language.
func FromRequest(r *http.Request) Lang {
	if c, err := r.Cookie("lang"); err == nil && c.Value != "" {
		return Parse(c.Value)
	}
	return Parse(r.Header.Get("Accept-Language"))
}
