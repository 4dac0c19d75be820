package frame

// Role says which end of a connection a frame arrives at. It decides the masking rule of
// RFC 6455 §5.1: a server must receive masked frames, a client unmasked ones.
type Role uint8

// The two roles.
const (
	RoleServer Role = iota // frames arrive from a client and must be masked
	RoleClient             // frames arrive from a server and must not be masked
)

// Check applies the rules of RFC 6455 §5 that one header can be judged by alone.
// extRsv holds the reserved bits that a negotiated extension owns (RSV1 for
// permessage-deflate); any other reserved bit set is an error (§5.2). Control frames must be
// final, carry at most 125 bytes (§5.5) and set no reserved bit, since the extensions in use
// define none for them. Where an extension bit may appear within a message is checked by
// [Sequence.Next].
func (h Header) Check(role Role, extRsv byte) error {
	if h.Opcode.IsReserved() {
		return ErrReservedOpcode
	}
	if h.Rsv&^extRsv != 0 {
		return ErrReservedBits
	}
	if h.Opcode.IsControl() {
		if !h.Fin {
			return ErrControlFragmented
		}
		if h.Length > MaxControlPayload {
			return ErrControlTooLong
		}
		if h.Rsv != 0 {
			return ErrRSVOnControl
		}
	}
	if role == RoleServer && !h.Masked {
		return ErrUnmasked
	}
	if role == RoleClient && h.Masked {
		return ErrMasked
	}
	return nil
}

// Sequence tracks fragmentation across frames (RFC 6455 §5.4): whether a data message is in
// progress and of which type. The zero value expects the first frame of a message.
type Sequence struct {
	inMessage bool
}

// Next checks that h may follow the frames seen so far and records it. Control frames may
// appear between the fragments of a message and do not change the sequence. Extension bits
// may be set on the first frame of a message only.
func (s *Sequence) Next(h Header) error {
	if h.Opcode.IsControl() {
		return nil
	}
	if h.Opcode == OpContinuation {
		if !s.inMessage {
			return ErrUnexpectedContinue
		}
		if h.Rsv != 0 {
			return ErrRSVOnContinuation
		}
	} else {
		if s.inMessage {
			return ErrExpectedContinue
		}
	}
	s.inMessage = !h.Fin
	return nil
}

// InMessage reports whether a fragmented message is in progress.
func (s *Sequence) InMessage() bool { return s.inMessage }
