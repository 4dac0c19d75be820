package main

import "testing"

// RFC 6455 §1.3 gives this key and its accept value.
func TestAcceptForRFCExample(t *testing.T) {
	if got, want := acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("acceptFor = %q, want %q", got, want)
	}
}
