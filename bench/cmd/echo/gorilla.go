package main

import (
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

// serveGorilla follows gorilla's echo example: ReadMessage and WriteMessage in one goroutine
// per connection; WriteMessage takes its single-frame fast path on the server side.
func serveGorilla(l net.Listener, c config) error {
	up := websocket.Upgrader{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		WriteBufferPool:   &syncPool{},
		EnableCompression: c.compress,
		CheckOrigin:       func(*http.Request) bool { return true },
	}
	return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadLimit(maxMessage)
		if c.compress {
			conn.SetCompressionLevel(1)
		}
		for {
			op, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(op, msg); err != nil {
				return
			}
		}
	}))
}
