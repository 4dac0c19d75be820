package server_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// listener is a handler that receives broadcasts as infos: a *server.Prepared, encoded once
// for every listener.
type listener struct{ joined chan<- server.Pid }

func (l listener) WebsocketInit(c *server.Conn) server.Result {
	l.joined <- c.Self()
	return server.OK()
}

func (listener) WebsocketHandle(*server.Conn, server.Frame) server.Result { return server.OK() }

func (listener) WebsocketInfo(_ *server.Conn, info any) server.Result {
	if p, ok := info.(*server.Prepared); ok {
		return server.Reply(p.Frame())
	}
	return server.OK()
}

func ExamplePrepare() {
	joined := make(chan server.Pid, 3)
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return listener{joined}, nil },
		// The broadcast is compressed once for every connection that compresses; without
		// context takeover on the server's side, they also hold no window between messages.
		server.Options{Compress: true, Deflate: deflate.Config{ServerNoContextTakeover: true}})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var clients []*client.Conn
	for i := range 3 {
		d := client.Dialer{Compress: i > 0} // one plain listener, two compressing
		c, _, err := d.Dial(ctx, "ws://"+l.Addr().String()+"/")
		if err != nil {
			fmt.Println(err)
			return
		}
		clients = append(clients, c)
	}
	news := server.Prepare(frame.OpText, []byte("market opens at 9"))
	for range clients {
		(<-joined).Send(news)
	}
	for i, c := range clients {
		_, msg, err := c.Read(ctx)
		fmt.Println(i, string(msg), err)
		c.Close(frame.CloseNormal, "")
	}
	// Output:
	// 0 market opens at 9 <nil>
	// 1 market opens at 9 <nil>
	// 2 market opens at 9 <nil>
}
