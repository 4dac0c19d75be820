package main

import (
	"context"
	"io"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// serveCoder follows coder/websocket's echo example: Reader, Writer and io.Copy per message.
func serveCoder(l net.Listener, c config) error {
	mode := websocket.CompressionDisabled
	if c.compress {
		mode = websocket.CompressionNoContextTakeover
	}
	return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode, InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer conn.CloseNow()
		conn.SetReadLimit(maxMessage)
		ctx := context.Background()
		for {
			typ, rd, err := conn.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := conn.Writer(ctx, typ)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	}))
}
