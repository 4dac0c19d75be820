package frame_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/bronco-ws/bronco/ws/frame"
)

func ExampleParseHeader() {
	// The masked "Hello" of RFC 6455 §5.7, arriving in two pieces.
	wire := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if _, n, _ := frame.ParseHeader(wire[:3]); n == 0 {
		fmt.Println("need more bytes")
	}
	h, n, err := frame.ParseHeader(wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Opcode, h.Length, h.Check(frame.RoleServer, 0))
	payload := wire[n:]
	frame.Mask(h.Mask, 0, payload)
	fmt.Printf("%s\n", payload)
	// Output:
	// need more bytes
	// text 5 <nil>
	// Hello
}

// Every protocol error wraps one kind; the kind decides the close code. An error from
// another package (here the engine's message limit, built the same way) reads the same.
func ExampleCloseCodeOf() {
	tooBig := frame.NewError(frame.ErrBadSize, "ws: message larger than the configured limit")
	wrapped := fmt.Errorf("conn 7: %w", tooBig)
	for _, err := range []error{frame.ErrUnmasked, frame.ErrCloseReasonEncoding, wrapped, io.EOF} {
		fmt.Println(frame.CloseCodeOf(err), errors.Is(err, frame.ErrBadSize))
	}
	// Output:
	// 1002 (protocol error) false
	// 1007 (invalid payload data) false
	// 1009 (message too big) true
	// 1011 (internal error) false
}
