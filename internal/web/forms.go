package web

import (
	"errors"
	"net/http"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// maxForm bounds a page form's body (an account and a password fit many
// times over).
const maxForm = 64 << 10

// parseForm reads a page form of at most maxForm bytes.
// Errors: TooLarge FORM_TOO_LARGE (413), Invalid FORM_INVALID.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(errs.TooLarge, "FORM_TOO_LARGE", "The form is too large. Send only the fields of the page.",
				"表单内容过大，请只提交页面上的字段。")
		}
		return errs.New(errs.Invalid, "FORM_INVALID", "The form could not be read. Reload the page and try again.",
			"无法读取表单，请刷新页面后重试。")
	}
	return nil
}
