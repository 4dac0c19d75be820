// Package utf8 is a streaming, fail-fast UTF-8 validator for WebSocket text messages, with
// the same verdict as unicode/utf8.Valid and a result as soon as a byte makes the text
// invalid, however the message is split:
//
//	var v utf8.Validator
//	if _, ok := v.Feed(piece); !ok { /* fail the connection with 1007 */ }
//	// at the end of the message:
//	if !v.Complete() { /* 1007: the message ends inside a character */ }
package utf8

// Validator checks a text message that arrives in pieces split anywhere: frames of a
// fragmented message, or partial reads of one frame. RFC 6455 §8.1 requires text to be UTF-8
// (RFC 3629) and the connection to be failed, with close code 1007, as soon as it is not.
// Validator reports the failure at the first byte after which no valid continuation exists,
// not at the end of the message.
//
// The zero value is ready to use. A Validator is a small value that holds no references, so
// it can be embedded in a connection and copied to snapshot its state.
type Validator struct {
	state state
}

// Feed validates the next piece of a message. It returns the number of bytes of p that were
// accepted and ok=false as soon as a byte makes the message invalid; n is then the offset of
// that byte in p. Once invalid, the validator stays invalid until [Validator.Reset], and
// further calls return 0, false. A piece may end inside a character: Feed remembers where it
// stands and finishes the character with the next piece. Feed does not allocate.
func (v *Validator) Feed(p []byte) (n int, ok bool) {
	s := v.state
	if s == rejected {
		return 0, false
	}
	for {
		if s == atBoundary {
			n += wholePrefix(p[n:])
		}
		if n == len(p) {
			break
		}
		// A character cut by the end of p or refused by the fast path: walk it a byte at a
		// time to learn which, and at which byte.
		s = step(s, p[n])
		if s == rejected {
			break
		}
		n++
	}
	v.state = s
	return n, s != rejected
}

// Complete reports whether everything fed so far is valid and ends on a character boundary.
// Call it at message end: a message that stops inside a character is invalid.
func (v *Validator) Complete() bool {
	return v.state == atBoundary
}

// Reset readies the validator for a new message.
func (v *Validator) Reset() {
	*v = Validator{}
}
