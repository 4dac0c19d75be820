// Command testee is the echo server the Autobahn testsuite runs against: every text and
// binary message comes back as it was sent, with the limits raised to what the suite sends.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// echo is the handler: Cowboy's echo example, websocket_handle({text, Msg}, State) ->
// {reply, {text, Msg}, State}.
type echo struct{}

func (echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op == frame.OpText || f.Op == frame.OpBinary {
		return server.Reply(f)
	}
	return server.OK()
}

func (echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on (loopback)")
	mode := flag.String("mode", "raw", "raw: bare listener through ws/handshake; http: mounted on net/http")
	compress := flag.Bool("compress", true, "offer permessage-deflate to clients that ask")
	level := flag.Int("level", deflate.BestSpeed, "compression level, 1 (fastest) to 9")
	loops := flag.Int("loops", 0, "event loops (Options.EventLoops); 0: a goroutine per connection")
	flag.Parse()

	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{}, nil }, server.Options{
		Compress:       *compress,
		Deflate:        deflate.Config{Level: *level},
		MaxFrameSize:   64 << 20, // Autobahn 9.* sends messages up to 16 MiB
		MaxMessageSize: 64 << 20,
		CheckOrigin:    server.AnyOrigin,
		EventLoops:     *loops,
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("testee: %s mode, %d event loops, on %s", *mode, *loops, l.Addr())
	switch *mode {
	case "raw":
		err = srv.Serve(l)
	case "http":
		err = http.Serve(l, srv)
	default:
		log.Fatalf("testee: unknown mode %q", *mode)
	}
	log.Fatal(err)
}
