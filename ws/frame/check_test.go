package frame

import (
	"errors"
	"fmt"
	"testing"
)

func TestCheck(t *testing.T) {
	masked := func(h Header) Header { h.Masked = true; return h }
	tests := []struct {
		name   string
		h      Header
		role   Role
		extRsv byte
		want   error
	}{
		{"§5.1 masked text to a server", masked(Header{Fin: true, Opcode: OpText}), RoleServer, 0, nil},
		{"§5.1 server MUST fail an unmasked frame", Header{Fin: true, Opcode: OpText}, RoleServer, 0, ErrUnmasked},
		{"§5.1 client MUST fail a masked frame", masked(Header{Fin: true, Opcode: OpText}), RoleClient, 0, ErrMasked},
		{"§5.1 unmasked text to a client", Header{Fin: true, Opcode: OpText}, RoleClient, 0, nil},
		{"§5.2 RSV1 without extension MUST fail", masked(Header{Fin: true, Rsv: RSV1, Opcode: OpText}), RoleServer, 0, ErrReservedBits},
		{"§5.2 RSV2 without extension MUST fail", masked(Header{Fin: true, Rsv: RSV2, Opcode: OpText}), RoleServer, 0, ErrReservedBits},
		{"§5.2 RSV3 without extension MUST fail", masked(Header{Fin: true, Rsv: RSV3, Opcode: OpBinary}), RoleServer, 0, ErrReservedBits},
		{"§5.2 RSV1 owned by an extension", masked(Header{Fin: true, Rsv: RSV1, Opcode: OpText}), RoleServer, RSV1, nil},
		{"§5.2 RSV2 not owned by the RSV1 extension", masked(Header{Fin: true, Rsv: RSV2, Opcode: OpText}), RoleServer, RSV1, ErrReservedBits},
		{"§5.2 opcode 0x3 reserved", masked(Header{Fin: true, Opcode: 0x3}), RoleServer, 0, ErrReservedOpcode},
		{"§5.2 opcode 0x7 reserved", masked(Header{Fin: true, Opcode: 0x7}), RoleServer, 0, ErrReservedOpcode},
		{"§5.2 opcode 0xB reserved", masked(Header{Fin: true, Opcode: 0xB}), RoleServer, 0, ErrReservedOpcode},
		{"§5.2 opcode 0xF reserved", masked(Header{Fin: true, Opcode: 0xF}), RoleServer, 0, ErrReservedOpcode},
		{"§5.5 control frame MUST NOT be fragmented", masked(Header{Opcode: OpPing}), RoleServer, 0, ErrControlFragmented},
		{"§5.5 control payload 125 allowed", masked(Header{Fin: true, Opcode: OpPing, Length: 125}), RoleServer, 0, nil},
		{"§5.5 control payload 126 MUST fail", masked(Header{Fin: true, Opcode: OpPong, Length: 126}), RoleServer, 0, ErrControlTooLong},
		{"§5.5 close payload 126 MUST fail", masked(Header{Fin: true, Opcode: OpClose, Length: 126}), RoleServer, 0, ErrControlTooLong},
		{"RSV1 on a control frame even with the extension", masked(Header{Fin: true, Rsv: RSV1, Opcode: OpPing}), RoleServer, RSV1, ErrRSVOnControl},
	}
	for _, tt := range tests {
		if got := tt.h.Check(tt.role, tt.extRsv); !errors.Is(got, tt.want) || (tt.want == nil) != (got == nil) {
			t.Errorf("%s: Check = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestSequence(t *testing.T) {
	f := func(fin bool, op Opcode) Header { return Header{Fin: fin, Opcode: op} }
	tests := []struct {
		name   string
		frames []Header
		want   []error // one per frame
	}{
		{"single-frame messages", []Header{f(true, OpText), f(true, OpBinary)}, []error{nil, nil}},
		{"§5.4 fragmented message", []Header{f(false, OpText), f(false, OpContinuation), f(true, OpContinuation)}, []error{nil, nil, nil}},
		{"§5.4 control frames MAY be injected between fragments", []Header{f(false, OpBinary), f(true, OpPing), f(true, OpPong), f(true, OpContinuation)}, []error{nil, nil, nil, nil}},
		{"§5.4 continuation with no message in progress", []Header{f(true, OpContinuation)}, []error{ErrUnexpectedContinue}},
		{"§5.4 continuation after a final frame", []Header{f(true, OpText), f(false, OpContinuation)}, []error{nil, ErrUnexpectedContinue}},
		{"§5.4 fragments of different messages MUST NOT interleave", []Header{f(false, OpText), f(true, OpBinary)}, []error{nil, ErrExpectedContinue}},
		{"RFC 7692 §6.1 RSV1 only on the first frame", []Header{{Rsv: RSV1, Opcode: OpText}, {Fin: true, Rsv: RSV1, Opcode: OpContinuation}}, []error{nil, ErrRSVOnContinuation}},
	}
	for _, tt := range tests {
		var s Sequence
		for i, h := range tt.frames {
			got := s.Next(h)
			if !errors.Is(got, tt.want[i]) || (got == nil) != (tt.want[i] == nil) {
				t.Errorf("%s: frame %d: Next = %v; want %v", tt.name, i, got, tt.want[i])
			}
			if got != nil {
				break
			}
		}
	}
}

// TestErrorKinds: every error of this package has one kind, and the kind decides the close
// code (RFC 6455 §7.4.1: 1002 for protocol errors, 1007 for bad UTF-8, 1009 for too big).
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		err  error
		kind *Kind
		code CloseCode
	}{
		{ErrReservedBits, ErrBadFrame, CloseProtocolError},
		{ErrReservedOpcode, ErrBadFrame, CloseProtocolError},
		{ErrControlFragmented, ErrBadFrame, CloseProtocolError},
		{ErrControlTooLong, ErrBadFrame, CloseProtocolError},
		{ErrLengthOverflow, ErrBadFrame, CloseProtocolError},
		{ErrLengthNotMinimal, ErrBadFrame, CloseProtocolError},
		{ErrUnmasked, ErrBadFrame, CloseProtocolError},
		{ErrMasked, ErrBadFrame, CloseProtocolError},
		{ErrUnexpectedContinue, ErrBadFrame, CloseProtocolError},
		{ErrExpectedContinue, ErrBadFrame, CloseProtocolError},
		{ErrRSVOnContinuation, ErrBadFrame, CloseProtocolError},
		{ErrRSVOnControl, ErrBadFrame, CloseProtocolError},
		{ErrCloseLength, ErrBadFrame, CloseProtocolError},
		{ErrCloseCode, ErrBadFrame, CloseProtocolError},
		{ErrFrameTooBig, ErrBadSize, CloseMessageTooBig},
		{ErrCloseReasonEncoding, ErrBadEncoding, CloseInvalidPayload},
		{fmt.Errorf("wrapped: %w", ErrUnmasked), ErrBadFrame, CloseProtocolError},
		{NewError(ErrPolicy, "app: too chatty"), ErrPolicy, ClosePolicyViolation},
		{NewError(ErrExtension, "ext: refused"), ErrExtension, CloseMandatoryExtension},
		{errors.New("anything else"), nil, CloseInternalError},
	}
	kinds := []*Kind{ErrBadFrame, ErrBadEncoding, ErrPolicy, ErrBadSize, ErrExtension}
	for _, tt := range tests {
		var got *Kind
		for _, k := range kinds {
			if errors.Is(tt.err, k) {
				if got != nil {
					t.Errorf("%v: matches both %v and %v", tt.err, got, k)
				}
				got = k
			}
		}
		if got != tt.kind || CloseCodeOf(tt.err) != tt.code {
			t.Errorf("%v: kind %v, code %v; want %v, %v", tt.err, got, CloseCodeOf(tt.err), tt.kind, tt.code)
		}
	}
}

// TestCloseCodeSendable checks the ranges of RFC 6455 §7.4.1 and §7.4.2.
func TestCloseCodeSendable(t *testing.T) {
	valid := map[CloseCode]bool{}
	for c := 1000; c <= 1003; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 1007; c <= 1014; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 3000; c <= 4999; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 0; c <= 65535; c++ {
		if got := CloseCode(c).Sendable(); got != valid[CloseCode(c)] {
			t.Errorf("CloseCode(%d).Sendable() = %v; want %v", c, got, valid[CloseCode(c)])
		}
	}
}
