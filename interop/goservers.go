package interop

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	coder "github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
)

// PeerServer is a peer's echo server as the contract describes it: where it listens, and
// the connections that ended with the close each client sent.
type PeerServer struct {
	URL  string
	Ends *EndLog
	Stop func()
}

// EndLog collects the connections a peer's server saw end, by path.
type EndLog struct{ ends *ends[string, Ended] }

func newEndLog() *EndLog { return &EndLog{newEnds[string, Ended]()} }

func (l *EndLog) add(e Ended) { l.ends.add(e.Path, e) }

// Wait returns the end of the connection to path, once the server has reported it.
func (l *EndLog) Wait(ctx context.Context, path string) (Ended, error) {
	e, err := l.ends.wait(ctx, path)
	if err != nil {
		return e, fmt.Errorf("the peer's server reported no end for %s: %w", path, err)
	}
	return e, nil
}

// StartGoServer starts a Go library's echo server ("gorilla" or "coder"), plain or with
// permessage-deflate accepted.
func StartGoServer(lib string, deflate bool) (*PeerServer, error) {
	ends := newEndLog()
	record := ends.add
	var h http.HandlerFunc
	switch lib {
	case "gorilla":
		up := gorilla.Upgrader{EnableCompression: deflate}
		h = func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetReadLimit(4 << 20)
			e := Ended{Path: r.URL.RequestURI(), Extensions: w.Header().Get("Sec-WebSocket-Extensions")}
			for {
				mt, p, err := c.ReadMessage()
				if err != nil {
					var ce *gorilla.CloseError
					if errors.As(err, &ce) {
						e.Close = &Close{Code: ce.Code, Reason: ce.Text}
					} else {
						e.Close = &Close{Code: 1006, Reason: err.Error()}
					}
					record(e)
					return
				}
				if err := c.WriteMessage(mt, p); err != nil {
					e.Close = &Close{Code: 1006, Reason: err.Error()}
					record(e)
					return
				}
			}
		}
	case "coder":
		opts := &coder.AcceptOptions{CompressionMode: coder.CompressionDisabled}
		if deflate {
			opts.CompressionMode, opts.CompressionThreshold = coder.CompressionContextTakeover, 1
		}
		h = func(w http.ResponseWriter, r *http.Request) {
			c, err := coder.Accept(w, r, opts)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(4 << 20)
			e := Ended{Path: r.URL.RequestURI(), Extensions: w.Header().Get("Sec-WebSocket-Extensions")}
			for {
				mt, p, err := c.Read(r.Context())
				if err == nil {
					err = c.Write(r.Context(), mt, p)
				}
				if err != nil {
					var ce coder.CloseError
					if errors.As(err, &ce) {
						e.Close = &Close{Code: int(ce.Code), Reason: ce.Reason}
					} else {
						e.Close = &Close{Code: 1006, Reason: err.Error()}
					}
					record(e)
					return
				}
			}
		}
	}
	hs, err := serveHTTP(h)
	if err != nil {
		return nil, err
	}
	return &PeerServer{URL: "ws://" + hs.addr + "/", Ends: ends, Stop: hs.stop}, nil
}
