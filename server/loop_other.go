//go:build !linux

package server

import (
	"errors"
	"net"
)

// loop is the event loop of Options.EventLoops; on this system there is none, and every
// connection has its own goroutine.
type loop struct{}

func newLoop(*Server, int) (*loop, error) { return nil, errNoLoop }

func (*loop) wake(*Conn)        {}
func (*loop) stop()             {}
func (*loop) attach(*Conn) bool { return false }

func pollable(net.Conn) bool { return false }

var errNoLoop = errors.New("server: event loops need Linux")

// loopWriteThrough is the event loop's write path; without loops no connection takes it.
func (*Conn) loopWriteThrough([]byte) {}
