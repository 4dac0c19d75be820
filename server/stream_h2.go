package server

import (
	"errors"
	"net/http"

	"github.com/bronco-ws/bronco/internal/h2conn"
)

// serveHTTP2 runs the connection over r's HTTP/2 stream (RFC 8441) with the goroutine
// driver, over the stream as a net.Conn (internal/h2conn): the Cowboy process and the driver
// are the same as over a socket. An accepted upgrade is answered 200 with the negotiated
// fields; the handler goroutine then waits for the connection to end, since returning ends
// the stream (END_STREAM, RFC 8441 §5: the stream's end is the TCP close of RFC 6455). An
// event loop cannot poll one stream of a shared connection, so Options.EventLoops does not
// apply here.
func (s *Server) serveHTTP2(w http.ResponseWriter, r *http.Request, opts *Options, u *Upgrade, h Handler) {
	rc := http.NewResponseController(w)
	done := make(chan struct{})
	nc := h2conn.New(h2conn.Stream{
		Body: r.Body,
		Write: func(p []byte) (int, error) {
			n, err := w.Write(p)
			if err == nil {
				err = rc.Flush()
			}
			return n, err
		},
		SetWriteDeadline: rc.SetWriteDeadline,
		Close:            func() error { close(done); return nil },
		// A write deadline in the past resets the stream (RST_STREAM) and ends a write
		// waiting for the client's flow-control window.
		Abort:  func() { rc.SetWriteDeadline(aLongTimeAgo) },
		Remote: remoteAddrOf(r),
		Local:  stringAddr(""),
	})
	g := newGoConn(nc)
	resp, err := s.setup(&g.Conn, opts, u, h)
	if err != nil {
		s.refuseHTTP(w, opts, err)
		s.terminateRefused(h, nc.RemoteAddr())
		return
	}
	resp.HTTP2Header(w.Header())
	w.WriteHeader(http.StatusOK)
	rc.Flush() // a stream that failed here fails the connection's first write
	nc.Start()
	// The connection runs on a goroutine of its own, as over HTTP/1.1, so that a callback
	// ending its goroutine (runtime.Goexit) cannot end the stream under it.
	go g.run()
	<-done // closed by the driver's end, after its last read and write: w is free again
}

// isStreamReset reports whether err is an HTTP/2 stream's reset, which the process reports
// as {error, closed}.
func isStreamReset(err error) bool { return errors.Is(err, h2conn.ErrReset) }
