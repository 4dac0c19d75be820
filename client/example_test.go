package client_test

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

func ExampleDial() {
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{}, nil }, server.Options{})
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
	defer c.Close(frame.CloseNormal, "")
	c.Write(ctx, frame.OpText, []byte("hello"))
	op, data, err := c.Read(ctx)
	fmt.Println(op, string(data), err)
	// Output: text hello <nil>
}
