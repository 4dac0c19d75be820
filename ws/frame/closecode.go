package frame

import "strconv"

// CloseCode is a status code of a close frame (RFC 6455 §7.4).
type CloseCode uint16

// The close codes of RFC 6455 §7.4.1 and the IANA registry (§11.7).
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseNoStatus           CloseCode = 1005 // never sent: stands for a close frame without a code
	CloseAbnormal           CloseCode = 1006 // never sent: stands for a connection lost without a close frame
	CloseInvalidPayload     CloseCode = 1007
	ClosePolicyViolation    CloseCode = 1008
	CloseMessageTooBig      CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015 // never sent
)

// Sendable reports whether c may appear in a close frame on the wire (RFC 6455 §7.4.1, §7.4.2):
// 1000–1003, 1007–1014 and the application range 3000–4999. 1004–1006 and 1015 are reserved
// for local use, 1016–2999 for future standards, and 0–999 are never used.
func (c CloseCode) Sendable() bool {
	switch {
	case c >= 1000 && c <= 1003:
		return true
	case c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// String returns the code's number with its name where RFC 6455 gives one.
func (c CloseCode) String() string {
	name := ""
	switch c {
	case CloseNormal:
		name = "normal closure"
	case CloseGoingAway:
		name = "going away"
	case CloseProtocolError:
		name = "protocol error"
	case CloseUnsupportedData:
		name = "unsupported data"
	case CloseNoStatus:
		name = "no status"
	case CloseAbnormal:
		name = "abnormal closure"
	case CloseInvalidPayload:
		name = "invalid payload data"
	case ClosePolicyViolation:
		name = "policy violation"
	case CloseMessageTooBig:
		name = "message too big"
	case CloseMandatoryExtension:
		name = "mandatory extension"
	case CloseInternalError:
		name = "internal error"
	case CloseServiceRestart:
		name = "service restart"
	case CloseTryAgainLater:
		name = "try again later"
	case CloseBadGateway:
		name = "bad gateway"
	case CloseTLSHandshake:
		name = "TLS handshake"
	}
	s := strconv.FormatUint(uint64(c), 10)
	if name != "" {
		s += " (" + name + ")"
	}
	return s
}
