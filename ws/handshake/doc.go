// Package handshake implements the WebSocket opening handshake of RFC 6455 §4 for both roles,
// as plain functions over headers and bytes.
package handshake
