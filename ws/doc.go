// Package ws is the WebSocket connection engine of RFC 6455: a sans-IO state machine that
// turns received bytes into events and outgoing messages into frame bytes. It holds no socket
// and imports no network package; package server and package client are its drivers.
//
// A driver reads whatever its socket has, then parses until the engine needs more bytes:
//
//	e := ws.NewEngine(ws.Config{}) // server role, default limits, UTF-8 checked
//	for {
//		ev, n, err := e.Parse(buf)
//		buf = buf[n:]
//		out = e.AppendReplies(out) // pongs, the close echo, the close that fails
//		if err != nil || ev.Kind == ws.EventNone {
//			break // err: write out, then close; frame.CloseCodeOf(err) was sent
//		}
//		// act on ev; send with e.AppendMessage(out, frame.OpText, data, true)
//	}
//
// Errors found in the peer's bytes are protocol errors of package frame's vocabulary: match
// their kind with errors.Is (frame.ErrBadFrame, frame.ErrBadSize, ...) and read their close
// code with frame.CloseCodeOf.
package ws
