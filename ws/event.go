package ws

import "github.com/bronco-ws/bronco/ws/frame"

// EventKind tells what an Event carries.
type EventKind uint8

// The kinds of Event.
const (
	EventNone     EventKind = iota // more bytes are needed
	EventMessage                   // a whole text or binary message
	EventFragment                  // a piece of a message (Config.Stream only)
	EventPing
	EventPong
	EventClose
)

// Event is what the engine found in the bytes it was given.
//
// Data aliases either the caller's buffer or the engine's message buffer: it is valid until
// the next call to Parse, and must be copied to be kept longer.
type Event struct {
	Kind   EventKind
	Opcode frame.Opcode // OpText or OpBinary for EventMessage and EventFragment
	Data   []byte       // the message, piece, ping or pong payload, or the close reason
	Final  bool         // EventFragment: this piece ends the message
	Code   frame.CloseCode
}
