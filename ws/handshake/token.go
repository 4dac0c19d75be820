package handshake

import "strings"

// tokenChars marks the tchar set of RFC 9110 §5.6.2, which RFC 6455 borrows (as RFC 2616's token)
// for subprotocols, extension names and extension parameters. A table keeps the check branch-free.
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

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
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

// isFieldValue reports whether s may appear as a header field value: RFC 9110 §5.5 allows
// visible characters, obs-text, SP and HTAB, and calls CR, LF and NUL "invalid and dangerous".
func isFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCTL(s[i]) {
			return false
		}
	}
	return true
}

// isCTL reports whether c is a control character other than HTAB.
func isCTL(c byte) bool {
	return (c < ' ' && c != '\t') || c == 0x7f
}

// trimOWS removes the optional whitespace (SP and HTAB) of RFC 9110 §5.6.3 from both ends.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// nextElement splits the first element off a comma-separated list and trims its whitespace.
// Empty elements come back as "", which callers skip as the #rule of RFC 9110 §5.6.1 asks.
func nextElement(s string) (elem, rest string) {
	elem, rest, _ = strings.Cut(s, ",")
	return trimOWS(elem), rest
}

// hasToken reports whether any of the comma-separated lists in values holds an element equal to
// token, ignoring ASCII case, as RFC 6455 §4.2.1 asks for Upgrade and Connection.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = nextElement(v)
			if strings.EqualFold(elem, token) {
				return true
			}
		}
	}
	return false
}
