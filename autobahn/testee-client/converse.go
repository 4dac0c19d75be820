package main

import (
	"bytes"
	"context"
	"errors"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// converse reads c until the connection ends, handing each text and binary message to
// onMessage (data is valid only during the call), and closes c.
//
// A close frame from the peer is the clean end (nil error): the engine has already answered
// it, and Close then waits for the server to close TCP first (RFC 6455 §7.1.1) before
// releasing the socket. Any other end is returned: the engine failed the connection for a
// protocol violation (it sent the close code itself), the peer dropped it, or onMessage
// failed.
func converse(c *client.Conn, onMessage func(op frame.Opcode, data []byte) error) error {
	for {
		op, data, err := c.Read(context.Background())
		if err != nil {
			var closed *client.CloseError
			if errors.As(err, &closed) {
				err = nil
			}
			c.Close(frame.CloseNormal, "") // no close frame goes out twice; this frees the socket
			return err
		}
		if err := onMessage(op, data); err != nil {
			c.Close(frame.CloseNormal, "")
			return err
		}
	}
}

// echo sends every message back with the same opcode until the connection ends, and
// returns how many it echoed: what wstest -m fuzzingserver expects of a client testee.
func echo(c *client.Conn) (int, error) {
	n := 0
	err := converse(c, func(op frame.Opcode, data []byte) error {
		if err := c.Write(context.Background(), op, data); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// collect returns copies of every message until the connection ends: how the server
// answers a command such as /getCaseCount.
func collect(c *client.Conn) ([][]byte, error) {
	var msgs [][]byte
	err := converse(c, func(_ frame.Opcode, data []byte) error {
		msgs = append(msgs, bytes.Clone(data))
		return nil
	})
	return msgs, err
}
