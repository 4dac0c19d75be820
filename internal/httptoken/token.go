// Package httptoken holds the character classes of RFC 9110 that the handshake and the
// extension grammar share.
package httptoken

// tokenChars marks the tchar set of RFC 9110 §5.6.2, which RFC 6455 borrows (as RFC 2616's
// token) for subprotocols, extension names and extension parameters. A table keeps the check
// branch-free.
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// IsTokenChar reports whether c is a tchar.
func IsTokenChar(c byte) bool { return tokenChars[c] }

// IsToken reports whether s is a non-empty RFC 9110 token.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// IsFieldValue reports whether s may appear as a header field value: RFC 9110 §5.5 allows
// visible characters, obs-text, SP and HTAB, and calls CR, LF and NUL "invalid and dangerous".
func IsFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if IsCTL(s[i]) {
			return false
		}
	}
	return true
}

// IsCTL reports whether c is a control character other than HTAB.
func IsCTL(c byte) bool {
	return (c < ' ' && c != '\t') || c == 0x7f
}
