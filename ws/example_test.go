package ws_test

import (
	"fmt"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// ExampleEngine drives the engine by hand, the way a driver does: bytes in, events out,
// replies as bytes. The pong is the engine's own: a driver only writes what AppendReplies
// hands it.
func ExampleEngine() {
	e := ws.NewEngine(ws.Config{}) // server role
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	in := frame.AppendFrame(nil, frame.Header{Opcode: frame.OpText, Masked: true, Mask: key}, []byte("Hel"))
	in = frame.AppendFrame(in, frame.Header{Fin: true, Opcode: frame.OpPing, Masked: true, Mask: key}, []byte("?"))
	in = frame.AppendFrame(in, frame.Header{Fin: true, Opcode: frame.OpContinuation, Masked: true, Mask: key}, []byte("lo"))

	var out []byte
	for len(in) > 0 {
		ev, n, err := e.Parse(in)
		if err != nil {
			fmt.Println("fail with", frame.CloseCodeOf(err))
			return
		}
		in = in[n:]
		out = e.AppendReplies(out)
		switch ev.Kind {
		case ws.EventPing:
			fmt.Printf("ping %q\n", ev.Data)
		case ws.EventMessage:
			fmt.Printf("%v message %q\n", ev.Opcode, ev.Data)
			out = e.AppendMessage(out, ev.Opcode, ev.Data, false)
		}
	}
	fmt.Printf("reply bytes % x\n", out)
	// Output:
	// ping "?"
	// text message "Hello"
	// reply bytes 8a 01 3f 81 05 48 65 6c 6c 6f
}
