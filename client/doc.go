// Package client dials WebSocket servers (RFC 6455 §4.1) and runs the client connection over
// the sans-IO engine of package ws.
//
// The one call a user needs first is [Dial]:
//
//	c, _, err := client.Dial(ctx, "wss://example.com/chat", ws.Config{})
//	if err != nil { ... }
//	err = c.Write(ctx, frame.OpText, []byte("hello"))
//	op, data, err := c.Read(ctx)
//	peer, err := c.Close(frame.CloseNormal, "") // peer.Code: what the server answered
//
// A [Dialer] adds subprotocols, headers, permessage-deflate (RFC 7692), a TLS config, a
// proxy (the environment's by default, as net/http picks it) and a dial function. A refused
// upgrade is not followed: its status and headers come back with the error.
//
// Everything the server does is visible: its messages through [Conn.Read] (whole) or
// [Conn.Reader] (streamed, for messages larger than memory; [Conn.Writer] sends them), its
// pings and pongs through Dialer.OnPing and OnPong (the engine has already answered the
// pings), a round trip through [Conn.Ping], and its close code and reason as the
// *[CloseError] that reads and Close return. Callbacks rather than events in the read
// stream keep Read a plain loop over messages, as in gorilla/websocket and
// coder/websocket, while still running on the reading goroutine, in order, with no
// goroutine of their own.
//
// Every blocking call takes a context.Context; it interrupts the call through the socket's
// deadline (context.AfterFunc), with no goroutine per call. One goroutine reads; any number
// may write.
package client
