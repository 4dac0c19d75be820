package interop

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// Setup is one way a user runs bronco's server.
type Setup struct {
	Mount       string `json:"mount"`       // "bare" (Server.Serve), "http" (http.Handler), "h2" (http.Handler over TLS with HTTP/2, RFC 8441)
	Driver      string `json:"driver"`      // "goroutine" or "loop" (Options.EventLoops: 1)
	Compression string `json:"compression"` // "plain" or "deflate" (Options.Compress)
}

// Name is the setup as a test name: bare-loop-deflate.
func (s Setup) Name() string { return s.Mount + "-" + s.Driver + "-" + s.Compression }

// Place is the mount and driver, the column of the summary: bare·loop.
func (s Setup) Place() string { return s.Mount + "·" + s.Driver }

// Setups are every setup, in the summary's order.
func Setups() []Setup {
	var all []Setup
	for _, c := range []string{"plain", "deflate"} {
		for _, m := range []string{"bare", "http", "h2"} {
			for _, d := range []string{"goroutine", "loop"} {
				all = append(all, Setup{m, d, c})
			}
		}
	}
	return all
}

// Server is one of bronco's echo servers.
type Server struct {
	Setup
	Name string `json:"name"` // Setup.Name
	URL  string `json:"url"`  // the WebSocket endpoint, ws://127.0.0.1:PORT/echo
	Page string `json:"page"` // the browser page for this endpoint, with its query
}

// Fleet is bronco's echo server in every setup, and the Terminate reasons they saw.
type Fleet struct {
	Servers []*Server
	// OnEnd, when set before the first connection, is told of every connection's end.
	OnEnd func(setup, cell string, r server.Reason)

	// ends holds the reason Terminate got, by setup name and the cell query parameter of
	// the connection's URL.
	ends     *ends[[2]string, server.Reason]
	arrivals *ends[[2]string, Arrival]
	// TLS is the client configuration that trusts the h2 servers' certificate.
	TLS  *tls.Config
	stop []func()
}

// Arrival is how a connection's upgrade request reached bronco's server.
type Arrival struct {
	Proto, Method string // "HTTP/2.0" and "CONNECT" for RFC 8441
	Remote        string // the TCP peer: the same for streams of one HTTP/2 connection
}

// StartFleet starts the twelve servers on 127.0.0.1. The net/http ones also serve the
// browser page and cases.json from dir under /interop/, so a page and its endpoint share an
// origin; the bare ones, which speak nothing but WebSocket, get their page from a server of
// its own and accept that origin. The h2 ones serve TLS, with a certificate for 127.0.0.1
// that f.TLS trusts (browsers are told to ignore it), and take RFC 8441 streams, which
// net/http offers only with GODEBUG=http2xconnect=1 in the process's environment.
func StartFleet(dir string) (*Fleet, error) {
	f := &Fleet{ends: newEnds[[2]string, server.Reason](), arrivals: newEnds[[2]string, Arrival]()}
	files := pageFiles(dir)
	pageMux := http.NewServeMux()
	pageMux.Handle("/interop/", files)
	pages, err := serveHTTP(pageMux)
	if err != nil {
		return nil, err
	}
	f.stop = append(f.stop, pages.stop)
	for _, s := range Setups() {
		opts := server.Options{Compress: s.Compression == "deflate", Logger: nil}
		if s.Driver == "loop" {
			opts.EventLoops = 1
		}
		base := pages.url
		if s.Mount == "bare" {
			pageOrigin := pages.url
			opts.CheckOrigin = func(r *handshake.Request) bool {
				return r.Origin == "" || r.Origin == pageOrigin
			}
		}
		srv := server.New(f.echoInit(s.Name()), opts)
		var addr string
		switch s.Mount {
		case "bare":
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				f.Stop()
				return nil, err
			}
			go srv.Serve(ln)
			addr = ln.Addr().String()
		case "http":
			mux := http.NewServeMux()
			mux.Handle("/echo", srv)
			mux.Handle("/interop/", files)
			hs, err := serveHTTP(mux)
			if err != nil {
				f.Stop()
				return nil, err
			}
			f.stop = append(f.stop, hs.stop)
			addr, base = hs.addr, hs.url
		case "h2":
			mux := http.NewServeMux()
			mux.Handle("/echo", srv)
			mux.Handle("/interop/", files)
			ts := httptest.NewUnstartedServer(mux)
			ts.EnableHTTP2 = true
			ts.Config.ErrorLog = log.New(io.Discard, "", 0)
			ts.StartTLS()
			f.stop = append(f.stop, ts.Close)
			f.TLS = ts.Client().Transport.(*http.Transport).TLSClientConfig
			addr, base = ts.Listener.Addr().String(), ts.URL
		}
		f.stop = append(f.stop, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		})
		ws := "ws://" + addr + "/echo"
		if s.Mount == "h2" {
			ws = "wss://" + addr + "/echo"
		}
		deflate := map[bool]string{false: "0", true: "1"}[opts.Compress]
		f.Servers = append(f.Servers, &Server{Setup: s, Name: s.Name(), URL: ws,
			Page: base + "/interop/page.html?deflate=" + deflate + "&ws=" + url.QueryEscape(ws+"?cell=browser")})
	}
	return f, nil
}

// Stop shuts every server down.
func (f *Fleet) Stop() {
	for i := len(f.stop) - 1; i >= 0; i-- {
		f.stop[i]()
	}
}

// WaitEnd returns the reason the server of setup gave Terminate for the connection of cell.
func (f *Fleet) WaitEnd(ctx context.Context, setup, cell string) (server.Reason, error) {
	r, err := f.ends.wait(ctx, [2]string{setup, cell})
	if err != nil {
		return nil, fmt.Errorf("server %s: no Terminate for cell %q: %w", setup, cell, err)
	}
	return r, nil
}

// WaitArrival returns how the connection of cell reached the server of setup.
func (f *Fleet) WaitArrival(ctx context.Context, setup, cell string) (Arrival, error) {
	a, err := f.arrivals.wait(ctx, [2]string{setup, cell})
	if err != nil {
		return a, fmt.Errorf("server %s: no upgrade for cell %q: %w", setup, cell, err)
	}
	return a, nil
}

// ended records a connection's end and wakes every WaitEnd.
func (f *Fleet) ended(setup, cell string, r server.Reason) {
	if f.OnEnd != nil {
		f.OnEnd(setup, cell, r)
	}
	f.ends.add([2]string{setup, cell}, r)
}

// SeenClose is the close a Terminate reason reports the client sent, or nil.
func SeenClose(r server.Reason) *Close {
	var remote server.ReasonRemote
	if rr, ok := r.(server.ReasonRemote); ok {
		remote = rr
	} else {
		return nil
	}
	return &Close{Code: int(remote.Code), Reason: string(remote.Payload)}
}

// echoInit accepts every upgrade with an echo handler that reports its end to f.Ends.
func (f *Fleet) echoInit(setup string) server.InitFunc {
	return func(u *server.Upgrade) (server.Handler, error) {
		cell := ""
		if t, err := url.Parse(u.Request.Target); err == nil {
			cell = t.Query().Get("cell")
		}
		if r := u.HTTPRequest; r != nil {
			f.arrivals.add([2]string{setup, cell}, Arrival{r.Proto, r.Method, r.RemoteAddr})
		} else {
			f.arrivals.add([2]string{setup, cell}, Arrival{u.Request.Proto, u.Request.Method, ""})
		}
		return &echo{end: func(r server.Reason) { f.ended(setup, cell, r) }}, nil
	}
}

// echo sends every message back with its type.
type echo struct {
	end func(server.Reason)
}

func (e *echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	switch f.Op {
	case frame.OpText:
		return server.Reply(server.Text(f.Data))
	case frame.OpBinary:
		return server.Reply(server.Binary(f.Data))
	}
	return server.OK()
}

func (e *echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

func (e *echo) Terminate(r server.Reason) { e.end(r) }

// pageFiles serves the browser page and cases.json side by side under /interop/, so the
// page finds the cases relative to itself; nothing else of dir.
func pageFiles(dir string) http.Handler {
	paths := map[string]string{
		"/interop/page.html":  filepath.Join(dir, "browser", "page.html"),
		"/interop/cases.json": filepath.Join(dir, "cases.json"),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := paths[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store") // edits show on reload
		http.ServeFile(w, r, p)
	})
}

type httpServer struct {
	addr, url string
	stop      func()
}

func serveHTTP(h http.Handler) (*httpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	addr := ln.Addr().String()
	return &httpServer{addr: addr, url: "http://" + addr, stop: func() { hs.Close() }}, nil
}
