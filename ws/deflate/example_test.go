package deflate_test

import (
	"fmt"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/frame"
)

// A server answers an Autobahn-style offer that asks for the smallest window.
func ExampleAccept() {
	offer := extension.Extension{Name: deflate.ExtensionName, Params: []extension.Param{
		{Name: "server_max_window_bits", Value: "8", HasValue: true},
		{Name: "client_max_window_bits"},
	}}
	p, resp, ok := deflate.Accept([]extension.Extension{offer}, deflate.Config{})
	fmt.Println(ok, p.ServerMaxWindowBits, p.ClientMaxWindowBits)
	for _, prm := range resp.Params {
		fmt.Printf("%s=%s\n", prm.Name, prm.Value)
	}
	// Output:
	// true 8 15
	// server_max_window_bits=8
}

// Both ends of one direction of a connection, with context takeover: the
// second message refers back into the first and comes out smaller.
func ExampleEncoder() {
	p := deflate.Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	enc := p.Encoder(frame.RoleServer, deflate.DefaultLevel) // the server sends
	dec := p.Decoder(frame.RoleClient)                       // the client receives

	for _, msg := range []string{"Hello, compressed world", "Hello, compressed world"} {
		payload := enc.AppendCompress(nil, []byte(msg))
		out, err := dec.AppendDecompress(nil, payload, 1<<20)
		fmt.Println(len(payload), string(out), err)
	}
	// Output:
	// 25 Hello, compressed world <nil>
	// 4 Hello, compressed world <nil>
}

// A compressed message that would inflate past the limit stops at the
// limit with close code 1009.
func ExampleDecoder_AppendDecompress() {
	payload := deflate.NewEncoder(15, deflate.BestCompression, false).AppendCompress(nil, make([]byte, 1<<20))
	out, err := deflate.NewDecoder(15, false).AppendDecompress(nil, payload, 4096)
	fmt.Println(len(payload) < 2048, len(out), frame.CloseCodeOf(err), err)
	// Output:
	// true 4096 1009 (message too big) deflate: inflated message exceeds the size limit
}
