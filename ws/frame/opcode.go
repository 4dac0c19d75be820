// Package frame is the RFC 6455 §5 frame codec, and the one vocabulary of protocol errors for
// all of bronco: header parsing and encoding, masking, the checks that decide whether a frame
// may appear where it does, close codes, and the five kinds every protocol error wraps.
//
// The call a user needs first reads a header from the front of a buffer:
//
//	h, n, err := frame.ParseHeader(b) // n == 0: b holds part of a header
//	err = h.Check(frame.RoleServer, 0) // RFC 6455 §5.1–5.5 rules for one header
//
// Every protocol error that fails an open connection, whichever package finds it (this one, the
// engine, permessage-deflate), is an *Error wrapping one [Kind]:
// errors.Is(err, frame.ErrBadSize) tells the kind, and [CloseCodeOf] gives the close code.
package frame

import "strconv"

// Opcode is the 4-bit frame type of RFC 6455 §5.2.
type Opcode byte

// The opcodes defined by RFC 6455 §5.2 and §11.8; every other value is reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether o is a control opcode (the high bit set, RFC 6455 §5.5).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsReserved reports whether o is one of the opcodes RFC 6455 leaves undefined
// (0x3–0x7 and 0xB–0xF).
func (o Opcode) IsReserved() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return false
	}
	return true
}

// String returns the opcode's name as the RFC spells it, or its hex value when reserved.
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode 0x" + strconv.FormatUint(uint64(o), 16)
}
