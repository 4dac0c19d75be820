package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// hello is the guide's handler: it greets from websocket_init, echoes text, and sends
// itself a timer message like erlang:start_timer(1000, self(), <<"How' you doin'?">>). The
// timer starts after the echo, so the output does not depend on timing.
type hello struct{}

func (hello) WebsocketInit(c *server.Conn) server.Result {
	return server.Reply(server.Text([]byte("Hello!")))
}

func (hello) WebsocketHandle(c *server.Conn, f server.Frame) server.Result {
	if f.Op == frame.OpText {
		c.Self().SendAfter(10*time.Millisecond, "How' you doin'?")
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
	c, _, err := client.Dial(ctx, "ws://"+l.Addr().String()+"/", ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, send := range []string{"", "hi"} {
		if send != "" {
			c.Write(ctx, frame.OpText, []byte(send))
		}
		_, msg, _ := c.Read(ctx)
		fmt.Println(string(msg))
	}
	_, msg, _ := c.Read(ctx)
	fmt.Println(string(msg))
	c.Close(frame.CloseNormal, "bye")
	srv.Shutdown(ctx)
	// Output:
	// Hello!
	// That's what she said! hi
	// How' you doin'?
	// terminate: {remote, 1000, "bye"}
}

// ExampleServer_ServeHTTP mounts the server on net/http, beside other routes, with an event
// loop driving the upgraded connections. On net/http the upgrade request is read by
// net/http, under its http.Server's limits, not Options.HandshakeTimeout and HeaderLimits:
// a zero http.Server waits for a request's head forever (a slowloris client holds a
// connection and a goroutine as long as it likes) and takes 1 MB of header, so set them.
func ExampleServer_ServeHTTP() {
	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
		return hello{}, nil
	}, server.Options{EventLoops: 1})
	mux := http.NewServeMux()
	mux.Handle("/ws", srv)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: server.DefaultHandshakeTimeout,  // the whole request head, slowloris included
		MaxHeaderBytes:    handshake.DefaultMaxHeaderBytes, // as the bare listener's default HeaderLimits
		IdleTimeout:       time.Minute,                     // keep-alive connections that never upgrade
	}
	go hs.Serve(l)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := client.Dial(ctx, "ws://"+l.Addr().String()+"/ws", ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, msg, _ := c.Read(ctx)
	fmt.Println(string(msg))
	done := make(chan struct{})
	go func() {
		srv.Shutdown(ctx) // every connection gets close 1001, then its Terminate
		close(done)
	}()
	_, _, err = c.Read(ctx) // the close, which the client answers
	<-done
	fmt.Println(err)
	hs.Shutdown(ctx)
	// Output:
	// Hello!
	// terminate: shutdown
	// client: closed by peer: 1001 (going away) ""
}
