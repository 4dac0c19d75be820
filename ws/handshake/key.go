package handshake

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
)

// acceptGUID is the fixed string RFC 6455 §1.3 appends to the key, chosen so that no server
// unaware of WebSocket would produce the accept value by accident.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// keyLen is the length of base64 for 16 bytes: 22 characters and "==".
const keyLen = 24

// NewKey returns a fresh Sec-WebSocket-Key: 16 bytes from crypto/rand, base64-encoded, as
// RFC 6455 §4.1 step 7 requires a nonce "selected randomly for each connection".
func NewKey() (string, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(nonce[:]), nil
}

// AcceptKey returns the Sec-WebSocket-Accept value for key (RFC 6455 §4.2.2 step 5.4): the
// base64 of the SHA-1 of key, as sent, followed by the protocol's GUID.
func AcceptKey(key string) string {
	var b [28]byte
	return string(appendAcceptKey(b[:0], key))
}

// appendAcceptKey appends AcceptKey(key) to dst. SHA-1 here is a fixed protocol
// transformation, not a security primitive.
func appendAcceptKey(dst []byte, key string) []byte {
	var scratch [keyLen + len(acceptGUID)]byte
	src := append(append(scratch[:0], key...), acceptGUID...)
	sum := sha1.Sum(src)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// isKey reports whether key is base64 (RFC 4648 §4, padded) of exactly 16 bytes. Decoding is
// not strict about the unused low bits of the last character: the RFC's own example key,
// "AQIDBAUGBwgJCgsMDQ4PEC==", sets them.
func isKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	var src [keyLen]byte
	for i := 0; i < keyLen; i++ {
		// The decoder skips CR and LF; the grammar of RFC 6455 §4.3 does not.
		if c := key[i]; c == '\r' || c == '\n' {
			return false
		}
		src[i] = key[i]
	}
	var raw [18]byte
	n, err := base64.StdEncoding.Decode(raw[:], src[:])
	return err == nil && n == 16
}
