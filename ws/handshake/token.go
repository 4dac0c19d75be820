package handshake

import "strings"

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
