package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrors(t *testing.T) {
	base := New(NotFound, "THING_NOT_FOUND", "No such thing.", "没有这个东西。")
	e := base.OnField("id").Wrap(errors.New("row missing"))
	if base.Field != "" || base.Err != nil {
		t.Fatal("OnField or Wrap changed the original")
	}
	wrapped := fmt.Errorf("lookup: %w", e)
	if !Is(wrapped, "THING_NOT_FOUND") || KindOf(wrapped) != NotFound || As(wrapped).Field != "id" {
		t.Fatalf("through wrapping: %v", wrapped)
	}
	if !errors.Is(wrapped, e.Err) {
		t.Fatal("cause not unwrapped")
	}
	plain := errors.New("disk on fire")
	if KindOf(plain) != Internal || As(plain).Code != "INTERNAL" || As(plain).Message.ZH == "" || Is(plain, "INTERNAL") {
		t.Fatalf("plain errors: %+v", As(plain))
	}
}
