//go:build !linux

package server

import (
	"errors"
	"net"
)

// On this system there are no event loops: every connection keeps a goroutine of its own,
// as Options.EventLoops documents.

type loop struct{}

type loopConn struct {
	Conn
	lp    *loop
	carry []byte
}

var errNoLoop = errors.New("server: event loops need Linux (epoll)")

func newLoop(*Server, int) (*loop, error)      { return nil, errNoLoop }
func (*loop) stop()                            {}
func (*loop) shutdown()                        {}
func (*loop) attach(*loopConn, net.Conn) error { return errNoLoop }
func newLoopConn(*loop, net.Conn) *loopConn    { return nil }
func pollable(net.Conn) bool                   { return false }

type acceptor struct{}

func (*Server) newAcceptor(net.Listener) *acceptor { return nil }
func (*acceptor) start() error                     { return errNoLoop }
func (*acceptor) serve() error                     { return errNoLoop }
func (*Server) upgradeOnLoop(net.Conn) bool        { return false }
