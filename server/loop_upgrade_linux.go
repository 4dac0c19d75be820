package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/bronco-ws/bronco/internal/epoll"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// The event loop reads the upgrade request of a connection it accepted (Server.take) or
// that Serve gave it (loop.adopt) as it reads frames: in turns, without blocking, into the loop's buffer. Until the request
// is whole, lc.carry holds its bytes and lc.resumeAt is the HandshakeTimeout. Then InitFunc
// runs on the loop, as every later callback of the connection does, and the connection's
// first turn follows in the same turn of the loop, which writes the 101 response.

// errIncomplete: the request's head has not all come.
var errIncomplete = errors.New("server: upgrade request incomplete")

// upgrade is a turn of a connection whose upgrade request is being read. It reports whether
// the connection was upgraded, in which case its first turn as a WebSocket connection
// follows.
func (lc *loopConn) upgrade(events uint32) bool {
	lp, opts := lc.lp, lc.opts
	if lc.interest == 0 {
		if err := lp.register(lc); err != nil {
			lc.refuseUpgrade(err, nil)
			return false
		}
		lc.resumeAt = instantOf(lp.now).add(opts.HandshakeTimeout)
		events |= epoll.In // the request usually comes with the connection
	}
	lc.fired = false
	if instantOf(lp.now) >= lc.resumeAt {
		opts.Logger.Debug("server: handshake timed out", "remote", lc.remoteAddr())
		lp.unregister(lc)
		return false
	}
	if events&(epoll.In|epoll.Hup) == 0 {
		lp.arm(lc)
		return false
	}
	req, rest, err := lc.readRequest(opts.HeaderLimits.WithDefaults())
	switch {
	case err == errIncomplete:
		lp.arm(lc)
		return false
	case err == io.EOF:
		lp.unregister(lc) // gone: nobody to answer
		return false
	case err != nil:
		lc.refuseUpgrade(err, nil)
		return false
	}
	return lc.accept(req, rest)
}

// readRequest reads what the socket has and parses the request once its head may be whole:
// when a line has ended, or when there is more than a head may hold (for the error).
func (lc *loopConn) readRequest(lim handshake.Limits) (*handshake.Request, []byte, error) {
	lp := lc.lp
	space := lp.rbuf[:min(len(lp.rbuf), lim.MaxHeaderBytes+1-len(lc.carry))]
	n, wouldBlock, err := epoll.Read(int(lc.fd), space)
	switch {
	case wouldBlock:
		return nil, nil, errIncomplete
	case err != nil || n == 0 && len(lc.carry) == 0:
		return nil, nil, io.EOF // reset, or closed before it sent anything
	case n == 0:
		return nil, nil, errTruncated
	}
	b := space[:n]
	if len(lc.carry) > 0 {
		lc.carry = append(lc.carry, b...)
		b = lc.carry
	}
	if bytes.IndexByte(space[:n], '\n') < 0 && len(b) <= lim.MaxHeaderBytes {
		lc.keepRequest(b)
		return nil, nil, errIncomplete
	}
	rd := bytes.NewReader(b)
	br := lp.srv.getReader(rd)
	defer func() {
		br.Reset(nil) // not to keep b from the collector while in the pool
		lp.srv.readers.Put(br)
	}()
	req, err := handshake.ReadRequest(br, lim)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		lc.keepRequest(b)
		return nil, nil, errIncomplete
	case err != nil:
		return nil, nil, err
	}
	// What the reader holds, and what it left in rd, came after the request: a first frame.
	return req, b[len(b)-rd.Len()-br.Buffered():], nil
}

// keepRequest keeps the part of the request that has come, b, for the next turn.
func (lc *loopConn) keepRequest(b []byte) {
	if len(lc.carry) == 0 {
		lc.carry = append(lc.carry, b...)
	}
}

// accept runs InitFunc for the request and, when it accepts, turns lc into a WebSocket
// connection whose output begins with the 101 response and whose input with the bytes that
// came after the request.
func (lc *loopConn) accept(req *handshake.Request, rest []byte) bool {
	s, opts, c := lc.lp.srv, lc.opts, &lc.Conn
	remote := lc.remoteAddr()
	u, h, err := s.initialize(opts, req, nil, remote, func(err error) { lc.refuseUpgrade(err, nil) })
	if err == nil {
		c.probed = true // its writes never block
		var resp handshake.Response
		if resp, err = s.setup(c, opts, u, h); err == nil {
			c.setOutput(handshake.AppendResponse(c.output0(), u.Request, resp))
		}
	}
	if err != nil {
		lc.refuseUpgrade(err, h)
		return false
	}
	if c.idle == 0 && !lc.unix {
		// Without an idle timeout nothing would notice a client that vanished: TCP's
		// keep-alive does, as it does on the connections the net package accepts.
		epoll.SetKeepAlive(int(lc.fd), keepAlivePeriod)
	}
	lc.upgrading, lc.resumeAt = false, 0
	lc.lp.disarm(lc)
	if len(rest) > 0 {
		lc.carry = append(lc.carry[:0], rest...) // append moves overlapping bytes correctly
	} else {
		lc.carry = nil
	}
	return true
}

// keepAlivePeriod is the net package's default for the connections it accepts.
const keepAlivePeriod = 15 * time.Second

// refuseUpgrade answers the client with err's status on a goroutine of its own, as a
// goroutine-driven upgrade would, and calls the Terminate of h, if any, after it: the loop
// never waits for a client to take a response.
func (lc *loopConn) refuseUpgrade(err error, h Handler) {
	s, opts, remote := lc.lp.srv, lc.opts, lc.remoteAddr()
	lc.upgrading = false
	fd := lc.lp.release(lc)
	go func() {
		if nc := fileConn(fd); nc != nil {
			s.refuseRaw(nc, opts, err)
		}
		s.terminateRefused(h, remote)
	}()
}

// upgradeUnwound ends an upgrade whose turn did not return: InitFunc ended the goroutine
// (runtime.Goexit), and its refusal is already under way, or this package has a bug.
func (lc *loopConn) upgradeUnwound(v any) {
	if v != nil {
		lc.opts.Logger.Error("server: upgrade failed", "panic", v, "stack", string(debug.Stack()))
	}
	if lc.fd >= 0 {
		lc.refuseUpgrade(errUpgradeFailed, nil)
	}
}

// errUpgradeFailed answers a client whose upgrade met a bug in this package.
var errUpgradeFailed = Refuse(http.StatusInternalServerError, "internal server error")
