// Package extension parses and writes the Sec-WebSocket-Extensions header of RFC 6455 §9.1:
// the grammar that the opening handshake (package handshake) and the extensions themselves
// (package deflate) share, with no HTTP machinery.
//
//	exts, err := extension.Parse(r.Header.Values("Sec-WebSocket-Extensions"))
//	// exts[0].Name == "permessage-deflate", exts[0].Params: its parameters, in order
//	line := extension.Append(nil, exts) // the same list, written back
package extension

import "github.com/bronco-ws/bronco/internal/httptoken"

// Extension is one extension offer or response from a Sec-WebSocket-Extensions header
// (RFC 6455 §9.1): a name followed by its parameters, in the order they were written.
type Extension struct {
	Name   string
	Params []Param
}

// Param is one extension parameter. HasValue tells "name" from "name=" with an empty value;
// Value holds the unquoted value of a token or quoted-string.
type Param struct {
	Name     string
	Value    string
	HasValue bool
}

// Parse parses the values of every Sec-WebSocket-Extensions header line, in order,
// as one extension-list (RFC 6455 §9.1):
//
//	extension-list  = 1#extension
//	extension       = extension-token *( ";" extension-param )
//	extension-param = token [ "=" (token | quoted-string) ]
//
// Whitespace is allowed around ",", ";" and "=", and empty list elements are skipped as the
// #rule of RFC 9110 §5.6.1 allows, but at least one extension must remain. A quoted value is
// unescaped and must then be a token, as §9.1 requires. No values gives nil, nil. Names and
// values are substrings of values. Anything else is a [*SyntaxError].
func Parse(values []string) ([]Extension, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var exts []Extension
	for _, v := range values {
		p := extParser{s: v}
		var err error
		if exts, err = p.list(exts); err != nil {
			return nil, err
		}
	}
	if len(exts) == 0 {
		return nil, extError("empty list")
	}
	return exts, nil
}

// SyntaxError is a Sec-WebSocket-Extensions value outside the grammar; Reason says where,
// in a few words suitable for a response body.
type SyntaxError struct {
	Reason string
}

func (e *SyntaxError) Error() string { return "extension: " + e.Reason }

func extError(reason string) *SyntaxError { return &SyntaxError{reason} }

// extParser is a cursor over one header value.
type extParser struct {
	s   string
	pos int
}

func (p *extParser) skipOWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// peek returns the next byte, or 0 at the end (0 never appears in a valid value).
func (p *extParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *extParser) token() (string, bool) {
	start := p.pos
	for p.pos < len(p.s) && httptoken.IsTokenChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos], p.pos > start
}

func (p *extParser) list(exts []Extension) ([]Extension, error) {
	for {
		p.skipOWS()
		switch p.peek() {
		case 0:
			return exts, nil
		case ',':
			p.pos++ // an empty element
			continue
		}
		ext, err := p.extension()
		if err != nil {
			return nil, err
		}
		exts = append(exts, ext)
		p.skipOWS()
		switch p.peek() {
		case 0:
			return exts, nil
		case ',':
			p.pos++
		default:
			return nil, extError("expected \",\" or \";\" after extension")
		}
	}
}

func (p *extParser) extension() (Extension, error) {
	name, ok := p.token()
	if !ok {
		return Extension{}, extError("expected extension name")
	}
	ext := Extension{Name: name}
	for {
		p.skipOWS()
		if p.peek() != ';' {
			return ext, nil
		}
		p.pos++
		p.skipOWS()
		param, err := p.param()
		if err != nil {
			return Extension{}, err
		}
		ext.Params = append(ext.Params, param)
	}
}

func (p *extParser) param() (Param, error) {
	name, ok := p.token()
	if !ok {
		return Param{}, extError("expected parameter name after \";\"")
	}
	p.skipOWS()
	if p.peek() != '=' {
		return Param{Name: name}, nil
	}
	p.pos++
	p.skipOWS()
	var value string
	if p.peek() == '"' {
		var err error
		if value, err = p.quoted(); err != nil {
			return Param{}, err
		}
		if !httptoken.IsToken(value) {
			return Param{}, extError("quoted parameter value is not a token")
		}
	} else if value, ok = p.token(); !ok {
		return Param{}, extError("expected parameter value after \"=\"")
	}
	return Param{Name: name, Value: value, HasValue: true}, nil
}

// quoted reads a quoted-string (RFC 9110 §5.6.4) and returns it unescaped. Without a
// backslash the result is a substring; with one it is built anew.
func (p *extParser) quoted() (string, error) {
	p.pos++ // the opening quote
	start := p.pos
	var unescaped []byte
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			if unescaped == nil {
				return p.s[start : p.pos-1], nil
			}
			return string(unescaped), nil
		case c == '\\':
			if p.pos+1 >= len(p.s) || httptoken.IsCTL(p.s[p.pos+1]) {
				return "", extError("bad escape in quoted string")
			}
			if unescaped == nil {
				unescaped = append([]byte{}, p.s[start:p.pos]...)
			}
			unescaped = append(unescaped, p.s[p.pos+1])
			p.pos += 2
			continue
		case httptoken.IsCTL(c):
			return "", extError("control character in quoted string")
		}
		if unescaped != nil {
			unescaped = append(unescaped, c)
		}
		p.pos++
	}
	return "", extError("unterminated quoted string")
}

// Append appends exts in Sec-WebSocket-Extensions value form to dst, such as
// "permessage-deflate; client_max_window_bits=10, x-foo". A value that is not a token is
// written as a quoted-string. Since the output goes into a header line, anything that has no
// valid spelling is left out rather than written: an extension or parameter whose name is not
// a token, and a value holding a control character. Parse's output always survives.
func Append(dst []byte, exts []Extension) []byte {
	first := true
	for _, ext := range exts {
		if !httptoken.IsToken(ext.Name) {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = append(dst, ext.Name...)
		for _, p := range ext.Params {
			if !httptoken.IsToken(p.Name) || !httptoken.IsFieldValue(p.Value) {
				continue
			}
			dst = append(dst, "; "...)
			dst = append(dst, p.Name...)
			if p.HasValue {
				dst = append(dst, '=')
				dst = appendTokenOrQuoted(dst, p.Value)
			}
		}
	}
	return dst
}

func appendTokenOrQuoted(dst []byte, v string) []byte {
	if httptoken.IsToken(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, v[i])
	}
	return append(dst, '"')
}

// Valid reports whether Append writes exts in full.
func Valid(exts []Extension) bool {
	for _, ext := range exts {
		if !httptoken.IsToken(ext.Name) {
			return false
		}
		for _, p := range ext.Params {
			if !httptoken.IsToken(p.Name) || !httptoken.IsFieldValue(p.Value) {
				return false
			}
		}
	}
	return true
}
