package server_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// hello is the guide's handler: it greets from websocket_init, echoes text, and sends
// itself a timer message like erlang:start_timer(1000, self(), <<"How' you doin'?">>).
type hello struct{}

func (hello) WebsocketInit(c *server.Conn) server.Result {
	c.Self().SendAfter(10*time.Millisecond, "How' you doin'?")
	return server.Reply(server.Text([]byte("Hello!")))
}

func (hello) WebsocketHandle(c *server.Conn, f server.Frame) server.Result {
	if f.Op == frame.OpText {
		return server.Reply(server.Text(append([]byte("That's what she said! "), f.Data...)))
	}
	return server.OK()
}

func (hello) WebsocketInfo(c *server.Conn, info any) server.Result {
	return server.Reply(server.Text([]byte(info.(string))))
}

func (hello) Terminate(r server.Reason) { fmt.Println("terminate:", r) }

func ExampleServer() {
	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
		return hello{}, nil
	}, server.Options{})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "ws://"+l.Addr().String()+"/", ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, send := range []string{"", "hi"} {
		if send != "" {
			c.WriteMessage(frame.OpText, []byte(send))
		}
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close(frame.CloseNormal, "bye")
	srv.Shutdown(ctx)
	// Output:
	// Hello!
	// That's what she said! hi
	// How' you doin'?
	// terminate: {remote, 1000, "bye"}
}
