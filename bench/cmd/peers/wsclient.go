package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// The load generator speaks WebSocket on raw sockets with its own upgrade and frames built
// once per connection, so a message costs the client the same whatever the server.

var (
	errUpgrade     = errors.New("peers: upgrade refused")
	errServerFrame = errors.New("peers: unexpected frame from server")
	errEcho        = errors.New("peers: echo differs from the message sent")
)

// deflateOffer asks for no context takeover both ways, the one mode every peer supports, so
// each client message can be compressed once up front.
const deflateOffer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"

// upgradeRequest is the client's opening handshake for key (RFC 6455 §4.1).
func upgradeRequest(addr, key string, compress bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", addr)
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	if compress {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", deflateOffer)
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// acceptFor is the Sec-WebSocket-Accept a server must send for key (RFC 6455 §4.2.2).
func acceptFor(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

func newKey() string {
	var k [16]byte
	rand.Read(k[:])
	return base64.StdEncoding.EncodeToString(k[:])
}

// upgrade performs the handshake on nc and returns a reader positioned after the 101
// response, and whether the server accepted permessage-deflate.
func upgrade(nc net.Conn, addr string, compress bool) (*bufio.Reader, bool, error) {
	key := newKey()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	defer nc.SetDeadline(time.Time{})
	if _, err := nc.Write(upgradeRequest(addr, key, compress)); err != nil {
		return nil, false, err
	}
	br := bufio.NewReaderSize(nc, 1024)
	status, err := br.ReadString('\n')
	if err != nil {
		return nil, false, err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		return nil, false, fmt.Errorf("%w: %q", errUpgrade, strings.TrimSpace(status))
	}
	accepted, deflated := false, false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, false, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "sec-websocket-accept":
			accepted = value == acceptFor(key)
		case "sec-websocket-extensions":
			deflated = strings.Contains(value, "permessage-deflate")
		}
	}
	if !accepted {
		return nil, false, fmt.Errorf("%w: bad Sec-WebSocket-Accept", errUpgrade)
	}
	return br, deflated, nil
}

// maskedFrame builds one final client frame: opcode op, payload masked with a fresh key, and
// RSV1 set when the payload is compressed (RFC 7692 §6).
func maskedFrame(op byte, payload []byte, compressed bool) []byte {
	b0 := 0x80 | op
	if compressed {
		b0 |= 0x40
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	f = append(f, mask[:]...)
	start := len(f)
	f = append(f, payload...)
	for i := range payload {
		f[start+i] ^= mask[i&3]
	}
	return f
}

// deflateMessage compresses msg on its own at level 1 and drops the final empty block's
// tail, as permessage-deflate sends it (RFC 7692 §7.2.1).
func deflateMessage(msg []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(msg)
	w.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// inflateMessage undoes deflateMessage for a server's reply, bounded by limit.
func inflateMessage(p []byte, limit int64) ([]byte, error) {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	return io.ReadAll(io.LimitReader(r, limit))
}

// readMessage reads one whole server message, reassembling fragments, and returns its
// payload, inflated if RSV1 is set on its first frame. It is used once per connection to
// check the echo.
func readMessage(br *bufio.Reader, limit int64) ([]byte, error) {
	var msg []byte
	compressed := false
	for first := true; ; first = false {
		fin, rsv1, p, err := readFrame(br, limit-int64(len(msg)))
		if err != nil {
			return nil, err
		}
		if first {
			compressed = rsv1
		}
		msg = append(msg, p...)
		if fin {
			break
		}
	}
	if compressed {
		return inflateMessage(msg, limit)
	}
	return msg, nil
}

// readFrame reads one unmasked data frame of at most limit payload bytes.
func readFrame(br *bufio.Reader, limit int64) (fin, rsv1 bool, p []byte, err error) {
	var hdr [10]byte
	if _, err := io.ReadFull(br, hdr[:2]); err != nil {
		return false, false, nil, err
	}
	n := int64(hdr[1] & 0x7f)
	switch {
	case hdr[1]&0x80 != 0 || hdr[0]&0x0f > 2:
		// A server's frames are never masked (RFC 6455 §5.1), and an echo sends no
		// control frame before the reply.
		return false, false, nil, fmt.Errorf("%w: header % x", errServerFrame, hdr[:2])
	case n == 126:
		if _, err := io.ReadFull(br, hdr[2:4]); err != nil {
			return false, false, nil, err
		}
		n = int64(binary.BigEndian.Uint16(hdr[2:4]))
	case n == 127:
		if _, err := io.ReadFull(br, hdr[2:10]); err != nil {
			return false, false, nil, err
		}
		n = int64(binary.BigEndian.Uint64(hdr[2:10]))
	}
	if n < 0 || n > limit {
		return false, false, nil, fmt.Errorf("%w: %d bytes", errServerFrame, n)
	}
	p = make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		return false, false, nil, err
	}
	return hdr[0]&0x80 != 0, hdr[0]&0x40 != 0, p, nil
}

// replyCounter counts whole messages in the stream of server frames without copying their
// payloads: the hot loop of the load generator.
type replyCounter struct {
	skip int64    // payload bytes left in the current frame
	fin  bool     // the current frame ends a message
	hdr  [10]byte // a header split across reads
	hn   int      // bytes of hdr held
}

// feed consumes p and returns how many messages it completed.
func (c *replyCounter) feed(p []byte) (int, error) {
	msgs := 0
	for len(p) > 0 {
		if c.skip > 0 {
			k := int64(len(p))
			if k > c.skip {
				k = c.skip
			}
			c.skip -= k
			p = p[k:]
			if c.skip == 0 && c.fin {
				msgs++
			}
			continue
		}
		c.hdr[c.hn] = p[0]
		c.hn++
		p = p[1:]
		if c.hn < 2 {
			continue
		}
		want := 2
		switch c.hdr[1] & 0x7f {
		case 126:
			want = 4
		case 127:
			want = 10
		}
		if c.hdr[1]&0x80 != 0 || c.hdr[0]&0x08 != 0 {
			// Masked or control frames: none is expected from an echo under load.
			return msgs, fmt.Errorf("%w: header % x", errServerFrame, c.hdr[:2])
		}
		if c.hn < want {
			continue
		}
		n := int64(c.hdr[1] & 0x7f)
		switch want {
		case 4:
			n = int64(binary.BigEndian.Uint16(c.hdr[2:4]))
		case 10:
			n = int64(binary.BigEndian.Uint64(c.hdr[2:10]))
		}
		if n < 0 {
			return msgs, fmt.Errorf("%w: length %d", errServerFrame, n)
		}
		c.fin = c.hdr[0]&0x80 != 0
		c.skip, c.hn = n, 0
		if n == 0 && c.fin {
			msgs++
		}
	}
	return msgs, nil
}
