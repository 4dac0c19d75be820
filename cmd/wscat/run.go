package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// run connects as args say and relays between in, out and the server until in ends, the
// server closes, or ctx is done.
func run(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	d, err := o.dialer()
	if err != nil {
		return err
	}
	var mu sync.Mutex // out is written by the reader and the line loop
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", a...)
	}
	d.OnPing = func(p []byte) { say("< ping %q", p) }
	d.OnPong = func(p []byte) { say("< pong %q", p) }

	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	c, res, err := d.Dial(dialCtx, o.url)
	cancel()
	if err != nil {
		if res != nil {
			return fmt.Errorf("%w; response headers: %v", err, res.Header)
		}
		return err
	}
	say("connected (subprotocol %q, extensions %v)", res.Protocol, res.Extensions)

	readDone := make(chan error, 1)
	go func() {
		for {
			op, data, err := c.Read(ctx)
			if err != nil {
				readDone <- err
				return
			}
			if op == frame.OpText {
				say("< %s", data)
			} else {
				say("< binary % x", data)
			}
		}
	}()
	if o.ping != "" {
		every, err := time.ParseDuration(o.ping)
		if err != nil {
			return err
		}
		go pingEvery(ctx, c, every, say)
	}

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), ws.DefaultMaxMessageSize) // a line is at most one message
		for sc.Scan() {
			lines <- sc.Text()
		}
		if err := sc.Err(); err != nil {
			say("stdin: %v; closing", err) // not a silent end: a line too long, a read error
		}
	}()
	for {
		select {
		case err := <-readDone:
			return closed(err, say)
		case line, ok := <-lines:
			if !ok {
				return closeAndDrain(c, readDone, say)
			}
			if line == "/ping" {
				go pingOnce(ctx, c, say)
				continue
			}
			if err := c.Write(ctx, frame.OpText, []byte(line)); err != nil {
				return err
			}
		case <-ctx.Done():
			c.Close(frame.CloseGoingAway, "")
			return nil
		}
	}
}

// closeAndDrain starts the close handshake and lets the reader print what the server still
// sends, until its close frame.
func closeAndDrain(c *client.Conn, readDone <-chan error, say func(string, ...any)) error {
	if err := c.SendClose(context.Background(), frame.CloseNormal, ""); err != nil {
		c.Close(frame.CloseNormal, "")
		return err
	}
	t := time.NewTimer(c.CloseTimeout)
	defer t.Stop()
	select {
	case err := <-readDone:
		var ce *client.CloseError
		if !errors.As(err, &ce) {
			return err
		}
		say("closed: %v %q", ce.Code, ce.Reason)
	case <-t.C:
		say("no close from the server within %v", c.CloseTimeout)
	}
	_, err := c.Close(frame.CloseNormal, "")
	return err
}

// closed reports how reading ended: the server's close is not an error.
func closed(err error, say func(string, ...any)) error {
	var ce *client.CloseError
	if errors.As(err, &ce) {
		say("closed by server: %v %q", ce.Code, ce.Reason)
		return nil
	}
	return err
}

func pingOnce(ctx context.Context, c *client.Conn, say func(string, ...any)) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if rtt, err := c.Ping(ctx); err == nil {
		say("round trip %v", rtt)
	}
}

func pingEvery(ctx context.Context, c *client.Conn, every time.Duration, say func(string, ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pingOnce(ctx, c, say)
		}
	}
}

// dialer turns the options into a client.Dialer.
func (o options) dialer() (*client.Dialer, error) {
	d := &client.Dialer{Protocols: o.protocols, Compress: o.compress, Header: http.Header{}}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("header %q is not \"Name: value\"", h)
		}
		d.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if o.caCert != "" {
		pem, err := os.ReadFile(o.caCert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", o.caCert)
		}
		d.TLSConfig = &tls.Config{RootCAs: pool}
	}
	return d, nil
}
