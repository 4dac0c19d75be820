// Package client dials WebSocket servers (RFC 6455 §4.1) and runs the blocking client
// connection over the sans-IO engine of package ws.
//
// The one call a user needs first is [Dial]:
//
//	c, _, err := client.Dial(ctx, "ws://localhost:8080/chat", ws.Config{})
//	if err != nil { ... }
//	defer c.Close(frame.CloseNormal, "")
//	err = c.WriteMessage(frame.OpText, []byte("hello"))
//	op, data, err := c.ReadMessage()
//
// A [Dialer] sets subprotocols, headers and permessage-deflate (RFC 7692).
package client
