package utf8

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
