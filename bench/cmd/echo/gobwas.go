package main

import (
	"bufio"
	"compress/flate"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// gobwasFlate is wsflate's helper at level 1, the level every other server here uses
// (wsflate's package default is 9).
var gobwasFlate = wsflate.Helper{
	Compressor:   func(w io.Writer) wsflate.Compressor { f, _ := flate.NewWriter(w, 1); return f },
	Decompressor: func(r io.Reader) wsflate.Decompressor { return flate.NewReader(r) },
}

var gobwasWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// serveGobwas follows gobwas/ws's README for speed: the zero-copy ws.Upgrade on a bare
// listener, then the low-level frame API in one goroutine per connection, with a reused
// payload buffer, a read buffer, and a pooled write buffer flushed once the read buffer is
// drained.
func serveGobwas(l net.Listener, c config) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			return err
		}
		go gobwasConn(conn, c.compress)
	}
}

func gobwasConn(conn net.Conn, compress bool) {
	defer conn.Close()
	ext := wsflate.Extension{Parameters: wsflate.DefaultParameters}
	up := ws.Upgrader{}
	if compress {
		up.Negotiate = ext.Negotiate
	}
	if _, err := up.Upgrade(conn); err != nil {
		return
	}
	_, deflated := ext.Accepted()
	br := bufio.NewReaderSize(conn, 4096)
	var bw *bufio.Writer // taken from the pool while replies are pending, so idle connections hold none
	var payload []byte
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if h.Length > maxMessage || !h.Fin {
			return // fragmented messages never occur in this benchmark
		}
		if int64(cap(payload)) < h.Length {
			payload = make([]byte, h.Length)
		}
		f := ws.Frame{Header: h, Payload: payload[:h.Length]}
		if _, err := io.ReadFull(br, f.Payload); err != nil {
			return
		}
		f = ws.UnmaskFrameInPlace(f)
		switch h.OpCode {
		case ws.OpClose:
			return
		case ws.OpText, ws.OpBinary:
		default:
			continue
		}
		if bw == nil {
			bw = gobwasWriters.Get().(*bufio.Writer)
			bw.Reset(conn)
		}
		if err := gobwasReply(bw, f, deflated); err != nil {
			return
		}
		if br.Buffered() == 0 {
			err := bw.Flush()
			bw.Reset(nil)
			gobwasWriters.Put(bw)
			bw = nil
			if err != nil {
				return
			}
		}
	}
}

func gobwasReply(w io.Writer, f ws.Frame, deflated bool) error {
	reply := ws.NewFrame(f.Header.OpCode, true, f.Payload)
	if deflated {
		var err error
		if compressed, _ := wsflate.IsCompressed(f.Header); compressed {
			if f, err = gobwasFlate.DecompressFrame(f); err != nil {
				return err
			}
			reply.Payload = f.Payload
		}
		if reply, err = gobwasFlate.CompressFrame(reply); err != nil {
			return err
		}
	}
	if reply.Header.Length > maxMessage {
		return errors.New("gobwas: reply too large")
	}
	return ws.WriteFrame(w, reply)
}
