// Package handshake implements the WebSocket opening handshake of RFC 6455 §4 for both roles,
// as plain functions over headers and bytes.
package handshake

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
