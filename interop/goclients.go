package interop

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
	coder "github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
	"golang.org/x/net/http2"
)

// RunTimeout bounds one client run, as the contract says.
const RunTimeout = 30 * time.Second

// goClient is one Go library's client connection, as the common run drives it.
type goClient interface {
	// send sends one message, cut into frames at the parts' boundaries where the library
	// can; it returns a note when it cannot.
	send(ctx context.Context, typ string, parts [][]byte) (note string, err error)
	receive(ctx context.Context) (typ string, data []byte, err error)
	// readUntilClose reads in the background from now on and returns the close the
	// server sent, once it arrives.
	readUntilClose(ctx context.Context) <-chan closeOrErr
	// ping sends a ping with payload (or the library's own) and waits for its pong; it
	// returns a note when the payload is not the caller's.
	ping(ctx context.Context, payload []byte) (note string, err error)
	close(code int, reason string) error
	abort()
}

type closeOrErr struct {
	close *Close
	err   error
}

// Go libraries' client runs: dial with variant's offer, then the contract's steps.
var goClients = map[string]func(ctx context.Context, url, variant string, tc *tls.Config) (goClient, string, error){
	"bronco":    dialBronco,
	"bronco-h2": dialBroncoH2,
	"gorilla":   dialGorilla,
	"coder":     dialCoder,
}

// RunGoClient runs the contract with a Go library's client: "bronco", "gorilla", "coder", or
// "bronco-h2", bronco's client opening an RFC 8441 stream with golang.org/x/net/http2's
// transport (net/http's own refuses the :protocol pseudo-header). tc, when not nil, is the
// TLS configuration for wss:// URLs.
func RunGoClient(lib, url, variant string, cases *Cases, tc *tls.Config) Result {
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	r := Result{URL: url, Variant: variant, Failures: []string{}}
	fail := func(format string, args ...any) Result {
		r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
		return r
	}
	c, ext, err := goClients[lib](ctx, url, variant, tc)
	if err != nil {
		return fail("dial: %v", err)
	}
	defer c.abort()
	r.Extensions = ext
	for _, ec := range cases.Echo {
		p := ec.Payload()
		parts := [][]byte{p}
		if len(ec.Split) > 0 {
			parts = ec.Fragments(p)
		}
		note, err := c.send(ctx, ec.Type, parts)
		if err != nil {
			return fail("case %s: send: %v", ec.Name, err)
		}
		if note != "" {
			r.Notes = append(r.Notes, fmt.Sprintf("case %s: %s", ec.Name, note))
		}
		typ, got, err := c.receive(ctx)
		if err != nil {
			return fail("case %s: receive: %v", ec.Name, err)
		}
		if m := Mismatch(ec.Type, p, typ, got); m != "" {
			r.Failures = append(r.Failures, fmt.Sprintf("case %s: %s", ec.Name, m))
		}
	}
	closed := c.readUntilClose(ctx)
	note, err := c.ping(ctx, []byte(cases.Ping))
	if err != nil {
		r.Failures = append(r.Failures, fmt.Sprintf("ping: %v", err))
	}
	if note != "" {
		r.Notes = append(r.Notes, "ping: "+note)
	}
	if err := c.close(cases.Close.Code, cases.Close.Reason); err != nil {
		return fail("close: %v", err)
	}
	select {
	case ce := <-closed:
		if ce.err != nil {
			return fail("close: reading the server's close: %v", ce.err)
		}
		r.Close = ce.close
	case <-ctx.Done():
		return fail("close: no close frame from the server: %v", ctx.Err())
	}
	return r
}

// bronco's own client.

type broncoClient struct {
	c     *client.Conn
	pongs chan []byte
}

// dialBroncoH2 dials with bronco's client over HTTP/2: a transport of its own per run.
func dialBroncoH2(ctx context.Context, url, variant string, tc *tls.Config) (goClient, string, error) {
	return dialBroncoWith(ctx, url, variant, tc, &http2.Transport{TLSClientConfig: tc})
}

func dialBronco(ctx context.Context, url, variant string, tc *tls.Config) (goClient, string, error) {
	return dialBroncoWith(ctx, url, variant, tc, nil)
}

func dialBroncoWith(ctx context.Context, url, variant string, tc *tls.Config, h2 http.RoundTripper) (goClient, string, error) {
	pongs := make(chan []byte, 4)
	d := client.Dialer{Compress: offersDeflate(variant), TLSConfig: tc, HTTP2: h2, OnPong: func(p []byte) {
		select {
		case pongs <- append([]byte(nil), p...):
		default:
		}
	}}
	d.Config.MaxMessageSize = 4 << 20
	switch {
	case windowOffer(variant) > 0:
		d.Deflate.ServerMaxWindowBits = windowOffer(variant)
	case variant == "cnct":
		d.Deflate.ClientNoContextTakeover = true
	}
	c, res, err := d.Dial(ctx, url)
	if err != nil {
		return nil, "", err
	}
	return &broncoClient{c: c, pongs: pongs}, res.Header.Get("Sec-WebSocket-Extensions"), nil
}

func (b *broncoClient) send(ctx context.Context, typ string, parts [][]byte) (string, error) {
	op := opcode(typ)
	if len(parts) == 1 {
		return "", b.c.Write(ctx, op, parts[0])
	}
	w, err := b.c.Writer(ctx, op)
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return "", err
		}
	}
	return "its Writer cuts frames at 32 KiB, not at the split offsets", w.Close()
}

func (b *broncoClient) receive(ctx context.Context) (string, []byte, error) {
	op, p, err := b.c.Read(ctx)
	return typeName(op), p, err
}

func (b *broncoClient) readUntilClose(ctx context.Context) <-chan closeOrErr {
	done := make(chan closeOrErr, 1)
	go func() {
		for {
			op, p, err := b.c.Read(ctx)
			var ce *client.CloseError
			switch {
			case errors.As(err, &ce):
				done <- closeOrErr{close: &Close{Code: int(ce.Code), Reason: ce.Reason}}
				return
			case err != nil:
				done <- closeOrErr{err: err}
				return
			default:
				done <- closeOrErr{err: fmt.Errorf("unexpected %s message of %d bytes", typeName(op), len(p))}
				return
			}
		}
	}()
	return done
}

func (b *broncoClient) ping(ctx context.Context, payload []byte) (string, error) {
	if err := b.c.WritePing(ctx, payload); err != nil {
		return "", err
	}
	return "", waitPong(ctx, b.pongs, payload)
}

func (b *broncoClient) close(code int, reason string) error {
	_, err := b.c.Close(frame.CloseCode(code), reason)
	return err
}

func (b *broncoClient) abort() { b.c.NetConn().Close() }

// gorilla/websocket's client.

type gorillaClient struct {
	c     *gorilla.Conn
	pongs chan []byte
}

func dialGorilla(ctx context.Context, url, variant string, tc *tls.Config) (goClient, string, error) {
	if variant != "plain" && variant != "deflate" {
		return nil, "", fmt.Errorf("gorilla offers only its own permessage-deflate; variant %s", variant)
	}
	d := gorilla.Dialer{EnableCompression: variant == "deflate", HandshakeTimeout: RunTimeout, TLSClientConfig: tc}
	c, resp, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, "", err
	}
	c.SetReadLimit(4 << 20)
	g := &gorillaClient{c: c, pongs: make(chan []byte, 4)}
	c.SetPongHandler(func(s string) error {
		select {
		case g.pongs <- []byte(s):
		default:
		}
		return nil
	})
	return g, resp.Header.Get("Sec-WebSocket-Extensions"), nil
}

func (g *gorillaClient) send(_ context.Context, typ string, parts [][]byte) (string, error) {
	mt := map[string]int{"text": gorilla.TextMessage, "binary": gorilla.BinaryMessage}[typ]
	if len(parts) == 1 {
		return "", g.c.WriteMessage(mt, parts[0])
	}
	w, err := g.c.NextWriter(mt)
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return "", err
		}
	}
	return "its NextWriter cuts frames at its write buffer size, not at the split offsets", w.Close()
}

func (g *gorillaClient) receive(context.Context) (string, []byte, error) {
	mt, p, err := g.c.ReadMessage()
	return map[int]string{gorilla.TextMessage: "text", gorilla.BinaryMessage: "binary"}[mt], p, err
}

func (g *gorillaClient) readUntilClose(context.Context) <-chan closeOrErr {
	done := make(chan closeOrErr, 1)
	go func() {
		mt, p, err := g.c.ReadMessage()
		var ce *gorilla.CloseError
		switch {
		case errors.As(err, &ce):
			done <- closeOrErr{close: &Close{Code: ce.Code, Reason: ce.Text}}
		case err != nil:
			done <- closeOrErr{err: err}
		default:
			done <- closeOrErr{err: fmt.Errorf("unexpected message type %d of %d bytes", mt, len(p))}
		}
	}()
	return done
}

func (g *gorillaClient) ping(ctx context.Context, payload []byte) (string, error) {
	if err := g.c.WriteControl(gorilla.PingMessage, payload, time.Now().Add(RunTimeout)); err != nil {
		return "", err
	}
	return "", waitPong(ctx, g.pongs, payload)
}

func (g *gorillaClient) close(code int, reason string) error {
	return g.c.WriteControl(gorilla.CloseMessage, gorilla.FormatCloseMessage(code, reason), time.Now().Add(RunTimeout))
}

func (g *gorillaClient) abort() { g.c.Close() }

// coder/websocket's client.

type coderClient struct {
	c *coder.Conn
}

func dialCoder(ctx context.Context, url, variant string, tc *tls.Config) (goClient, string, error) {
	opts := &coder.DialOptions{CompressionMode: coder.CompressionDisabled}
	if tc != nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	switch variant {
	case "plain":
	case "deflate":
		opts.CompressionMode, opts.CompressionThreshold = coder.CompressionContextTakeover, 1
	default:
		return nil, "", fmt.Errorf("coder offers only its own permessage-deflate; variant %s", variant)
	}
	c, resp, err := coder.Dial(ctx, url, opts)
	if err != nil {
		return nil, "", err
	}
	c.SetReadLimit(4 << 20)
	return &coderClient{c: c}, resp.Header.Get("Sec-WebSocket-Extensions"), nil
}

func (k *coderClient) send(ctx context.Context, typ string, parts [][]byte) (string, error) {
	mt := map[string]coder.MessageType{"text": coder.MessageText, "binary": coder.MessageBinary}[typ]
	if len(parts) == 1 {
		return "", k.c.Write(ctx, mt, parts[0])
	}
	w, err := k.c.Writer(ctx, mt) // a frame per Write when the message is not compressed
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return "", err
		}
	}
	return "", w.Close()
}

func (k *coderClient) receive(ctx context.Context) (string, []byte, error) {
	mt, p, err := k.c.Read(ctx)
	return map[coder.MessageType]string{coder.MessageText: "text", coder.MessageBinary: "binary"}[mt], p, err
}

func (k *coderClient) readUntilClose(ctx context.Context) <-chan closeOrErr {
	done := make(chan closeOrErr, 1)
	go func() {
		_, r, err := k.c.Reader(ctx)
		if err == nil {
			n, _ := io.Copy(io.Discard, r)
			err = fmt.Errorf("unexpected message of %d bytes", n)
		}
		var ce coder.CloseError
		if errors.As(err, &ce) {
			done <- closeOrErr{close: &Close{Code: int(ce.Code), Reason: ce.Reason}}
			return
		}
		done <- closeOrErr{err: err}
	}()
	return done
}

func (k *coderClient) ping(ctx context.Context, _ []byte) (string, error) {
	return "coder's Ping sends a payload of its own choosing", k.c.Ping(ctx)
}

func (k *coderClient) close(code int, reason string) error {
	return k.c.Close(coder.StatusCode(code), reason)
}

func (k *coderClient) abort() { k.c.CloseNow() }

// waitPong waits for the pong that carries payload.
func waitPong(ctx context.Context, pongs <-chan []byte, payload []byte) error {
	select {
	case p := <-pongs:
		if m := Mismatch("pong", payload, "pong", p); m != "" {
			return fmt.Errorf("pong payload: %s", m)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no pong: %w", ctx.Err())
	}
}

func opcode(typ string) frame.Opcode {
	if typ == "text" {
		return frame.OpText
	}
	return frame.OpBinary
}

func typeName(op frame.Opcode) string {
	switch op {
	case frame.OpText:
		return "text"
	case frame.OpBinary:
		return "binary"
	}
	return op.String()
}
