package main

import (
	"net"
	"net/http"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// broncoEcho replies with every data frame it gets: the reply is encoded before the read
// buffer is reused, so echoing f.Data costs no copy.
type broncoEcho struct{ hibernate bool }

func (e broncoEcho) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op != frame.OpText && f.Op != frame.OpBinary {
		return server.OK()
	}
	r := server.Reply(f)
	if e.hibernate {
		r = r.Hibernate()
	}
	return r
}

func (broncoEcho) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

func newBronco(c config, loops int) *server.Server {
	h := broncoEcho{hibernate: c.hibernate}
	return server.New(func(*server.Upgrade) (server.Handler, error) { return h, nil }, server.Options{
		Compress:       c.compress,
		Deflate:        deflate.Config{Level: deflate.BestSpeed},
		MaxFrameSize:   maxMessage,
		MaxMessageSize: maxMessage,
		EventLoops:     loops,
	})
}

// serveBroncoLoop is bronco's fastest documented setup, for handlers that do not block:
// the bare listener, and one event loop (Options.EventLoops) for the one core it gets.
func serveBroncoLoop(l net.Listener, c config) error { return newBronco(c, 1).Serve(l) }

// serveBroncoLoop2 is serveBroncoLoop with two event loops, one per core, fed by the one
// acceptor of Serve (round robin): meant to run on two cores (peers -lib-cpu
// bronco-loop2=0-1, which sets GOMAXPROCS=2).
func serveBroncoLoop2(l net.Listener, c config) error { return newBronco(c, 2).Serve(l) }

// serveBroncoRaw is bronco's bare-listener mode with the default goroutine per connection.
func serveBroncoRaw(l net.Listener, c config) error { return newBronco(c, 0).Serve(l) }

// serveBroncoHTTP mounts the same server on net/http, as an application with other routes
// would, with a goroutine per connection.
func serveBroncoHTTP(l net.Listener, c config) error { return http.Serve(l, newBronco(c, 0)) }
