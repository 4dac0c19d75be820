// Package ws implements the WebSocket connection engine of RFC 6455: a sans-IO state machine
// that turns received bytes into events and outgoing messages into frame bytes, and a thin
// driver that runs it over a net.Conn.
//
// [Engine] holds no socket. A driver reads whatever the socket has into a buffer, calls
// [Engine.Parse] until it needs more bytes, acts on each [Event], and writes the bytes that
// the Append methods produced. The same engine serves a goroutine per connection ([Conn],
// package server) and could serve an event loop with no goroutine per idle connection.
package ws
