package server_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// uploader starts with small limits; a client that says "upload" gets large frames, no idle
// timeout and uncompressed replies for the rest of the connection: Cowboy's set_options and
// {deflate, false} commands, given from a callback.
type uploader struct{}

func (uploader) WebsocketHandle(c *server.Conn, f server.Frame) server.Result {
	switch {
	case f.Op == frame.OpText && string(f.Data) == "upload":
		c.SetMaxFrameSize(64<<20, 64<<20)
		c.SetIdleTimeout(0)
		c.SetDeflate(false) // the files are compressed already
		return server.Reply(server.Text([]byte("ready")))
	case f.Op == frame.OpBinary:
		return server.Reply(server.Binary(fmt.Appendf(nil, "stored %d bytes", len(f.Data))))
	}
	return server.OK()
}

func (uploader) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

func ExampleConn_SetMaxFrameSize() {
	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
		return uploader{}, nil
	}, server.Options{MaxFrameSize: 1 << 10, MaxMessageSize: 1 << 10})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := client.Dial(ctx, "ws://"+l.Addr().String()+"/", ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Write(ctx, frame.OpText, []byte("upload"))
	_, msg, _ := c.Read(ctx)
	fmt.Println(string(msg))
	c.Write(ctx, frame.OpBinary, make([]byte, 1<<20)) // 1 MiB: over the first limit
	_, msg, _ = c.Read(ctx)
	fmt.Println(string(msg))
	c.Close(frame.CloseNormal, "")
	// Output:
	// ready
	// stored 1048576 bytes
}
