package utf8

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// equalErrors compares the Err field of an *Error by identity, which is what sentinels
// promise; the *Error around it is compared field by field.
var equalErrors = cmp.FilterPath(
	func(p cmp.Path) bool { return p.Last().String() == ".Err" },
	cmp.Comparer(func(a, b error) bool { return a == b }),
)

// TestValidatorErr checks the error a connection fails with at message end: RFC 6455 §8.1
// requires close code 1007 for text that is not UTF-8, and the offset points at the byte
// that made it so.
func TestValidatorErr(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
		want   *Error // nil: the message is valid
	}{
		{"RFC 6455 §8.1 valid message", []string{"héllo", " wörld"}, nil},
		{"RFC 6455 §8.1 empty message", nil, nil},
		{"RFC 6455 §8.1 character split across fragments", []string{"h\xC3", "\xA9llo"}, nil},
		{"RFC 6455 §8.1 invalid byte in the second fragment", []string{"héllo", " w\xFFrld"}, &Error{Code: 1007, Offset: 8, Err: ErrInvalid}},
		{"RFC 6455 §8.1 surrogate split across fragments", []string{"abc\xED", "\xA0\x80"}, &Error{Code: 1007, Offset: 4, Err: ErrInvalid}},
		{"RFC 6455 §8.1 message ends inside a character", []string{"abc", "\xE2\x82"}, &Error{Code: 1007, Offset: 5, Err: ErrIncomplete}},
		{"RFC 6455 §8.1 later fragments do not move the offset", []string{"a\x80", "bcd", "efg"}, &Error{Code: 1007, Offset: 1, Err: ErrInvalid}},
	}
	for _, tt := range tests {
		var v Validator
		for _, p := range tt.pieces {
			v.Feed([]byte(p))
		}
		var got *Error
		if err := v.Err(); err != nil {
			if !errors.As(err, &got) {
				t.Errorf("%s: Err() = %#v; want an *Error", tt.name, err)
				continue
			}
		}
		if diff := cmp.Diff(tt.want, got, equalErrors); diff != "" {
			t.Errorf("%s: Err() mismatch (-want +got):\n%s", tt.name, diff)
		}
		if complete := v.Complete(); complete != (tt.want == nil) {
			t.Errorf("%s: Complete() = %v; want %v", tt.name, complete, tt.want == nil)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	var v Validator
	v.Feed([]byte("ok\xC0\x80"))
	err := v.Err()
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrIncomplete) {
		t.Errorf("errors.Is(%v, ErrInvalid) = %v, errors.Is(..., ErrIncomplete) = %v; want true, false",
			err, errors.Is(err, ErrInvalid), errors.Is(err, ErrIncomplete))
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CloseInvalidPayload {
		t.Errorf("errors.As(%v) = %v with code %v; want an *Error with code 1007 (RFC 6455 §7.4.1)", err, e != nil, e)
	}
	if got, want := err.Error(), "utf8: invalid UTF-8 byte at offset 2"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	for _, sentinel := range []error{ErrInvalid, ErrIncomplete} {
		if !strings.HasPrefix(sentinel.Error(), "utf8: ") {
			t.Errorf("sentinel %q lacks the package prefix", sentinel)
		}
	}
}

// TestValidatorStaysInvalid checks that a rejected message cannot become valid again: RFC 6455
// §8.1 fails the connection, and nothing fed afterwards may undo that.
func TestValidatorStaysInvalid(t *testing.T) {
	var v Validator
	if n, ok := v.Feed([]byte("ab\xF5cd")); n != 2 || ok {
		t.Fatalf("Feed(ab F5 cd) = %d, %v; want 2, false", n, ok)
	}
	for _, p := range []string{"", "valid", "\x80", "\xC3\xA9"} {
		if n, ok := v.Feed([]byte(p)); n != 0 || ok {
			t.Errorf("after failure, Feed(%q) = %d, %v; want 0, false", p, n, ok)
		}
	}
	if v.Complete() {
		t.Error("after failure, Complete() = true; want false")
	}
	var got *Error
	errors.As(v.Err(), &got)
	want := &Error{Code: 1007, Offset: 2, Err: ErrInvalid}
	if diff := cmp.Diff(want, got, equalErrors); diff != "" {
		t.Errorf("after failure, Err() mismatch (-want +got):\n%s", diff)
	}
}

func TestValidatorReset(t *testing.T) {
	for _, first := range []string{"bad\xFF", "cut\xE2\x82", "fine"} {
		var v Validator
		v.Feed([]byte(first))
		v.Reset()
		n, ok := v.Feed([]byte("next é"))
		got := verdict{FailAt: -1, Complete: v.Complete()}
		if !ok {
			got.FailAt = n
		}
		if diff := cmp.Diff(valid, got); diff != "" {
			t.Errorf("after %q and Reset, Feed(next é) mismatch (-want +got):\n%s", first, diff)
		}
		if err := v.Err(); err != nil {
			t.Errorf("after %q and Reset, Err() = %v; want nil (offsets restart at 0)", first, err)
		}
	}
}

// TestFeedAllocs guards the promise that the validator can sit in a connection and run on
// every frame without garbage.
func TestFeedAllocs(t *testing.T) {
	text := []byte(strings.Repeat("ASCII, Grüße, 東京, 🙂. ", 100))
	var v Validator
	allocs := testing.AllocsPerRun(100, func() {
		v.Reset()
		for i := 0; i < len(text); i += 7 { // pieces that cut characters
			v.Feed(text[i:min(i+7, len(text))])
		}
		if !v.Complete() {
			t.Fatal("Complete() = false on valid text")
		}
		v.Feed([]byte{0xFF})
		v.Feed(text)
	})
	if allocs != 0 {
		t.Errorf("Feed allocated %v times per message; want 0", allocs)
	}
}
