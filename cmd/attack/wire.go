//go:build linux

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The attacker writes its own frames and handshakes instead of using bronco's client or
// ws/frame: it must send what no conforming encoder will (unmasked frames, reserved bits,
// lengths with the top bit set), and a bug shared by bronco's encoder and decoder would
// otherwise hide itself.

// Frame bits and opcodes, as RFC 6455 §5.2 lays out the first byte.
const (
	bitFin  = 0x80
	bitRsv1 = 0x40
	bitRsv2 = 0x20

	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// zeroKey masks nothing: a zero masking key is a legal key (RFC 6455 §5.3 only asks that it
// be unpredictable, which an attacker need not honour), and it lets one prebuilt frame of
// many MiB be written by many connections without masking it for each.
var zeroKey = [4]byte{}

// appendFrame appends one client frame: b0 is the first byte (FIN, RSV, opcode) as the
// attacker wants it, length the payload length announced in the header (it may differ from
// len(payload), to announce more than is sent), and payload, masked with key when masked.
// length takes the shortest encoding, unless it is above 65535, then 8 bytes even with the top
// bit set.
func appendFrame(dst []byte, b0 byte, masked bool, key [4]byte, length uint64, payload []byte) []byte {
	var b1 byte
	if masked {
		b1 = 0x80
	}
	switch {
	case length <= 125:
		dst = append(dst, b0, b1|byte(length))
	case length <= 0xFFFF:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, length)
	}
	if !masked {
		return append(dst, payload...)
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// clientFrame is a well-formed masked frame with a random key.
func clientFrame(b0 byte, payload []byte) []byte {
	var key [4]byte
	rand.Read(key[:])
	return appendFrame(nil, b0, true, key, uint64(len(payload)), payload)
}

// closeFrame is a masked close frame with code, or with no payload when code is 0.
func closeFrame(code int) []byte {
	if code == 0 {
		return clientFrame(bitFin|opClose, nil)
	}
	return clientFrame(bitFin|opClose, binary.BigEndian.AppendUint16(nil, uint16(code)))
}

// serverFrame is one frame as the server sent it. Payloads are kept up to keepMax bytes and
// skipped beyond, so that a reply of many MiB costs the attacker nothing.
type serverFrame struct {
	fin, rsv1 bool
	op        byte
	masked    bool
	length    uint64
	payload   []byte
}

// keepMax is the largest payload readFrame keeps: close frames and small echoes.
const keepMax = 4 << 10

// readFrame reads the next frame the server sent.
func readFrame(br *bufio.Reader) (serverFrame, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return serverFrame{}, err
	}
	f := serverFrame{fin: hdr[0]&bitFin != 0, rsv1: hdr[0]&bitRsv1 != 0, op: hdr[0] & 0x0F, masked: hdr[1]&0x80 != 0}
	f.length = uint64(hdr[1] & 0x7F)
	switch f.length {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		f.length = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		f.length = binary.BigEndian.Uint64(b[:])
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return f, err
		}
	}
	if f.length > keepMax {
		_, err := br.Discard(int(f.length))
		return f, err
	}
	f.payload = make([]byte, f.length)
	if _, err := io.ReadFull(br, f.payload); err != nil {
		return f, err
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= key[i&3]
		}
	}
	return f, nil
}

// closeCode is the code of a close frame's payload, 1005 when it has none (RFC 6455 §7.1.5).
func (f serverFrame) closeCode() int {
	if len(f.payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(f.payload))
}

// ending is how a connection ended from the attacker's side: the server's close code, or
// code -1 with what happened instead (EOF, reset, timeout).
type ending struct {
	code  int
	other string
	after time.Duration
}

// String is the close code, or what ended the connection instead.
func (e ending) String() string {
	if e.code > 0 {
		return strconv.Itoa(e.code)
	}
	return e.other
}

// waitClose reads frames until the server's close frame and reports it; EOF, a reset or the
// deadline end the wait too. Data frames on the way are skipped. With answer it answers the
// close with the same code, as a polite client does, so that the server's close handshake
// ends at once rather than at its CloseTimeout; a client that sent its own close first does
// not answer.
func waitClose(nc net.Conn, br *bufio.Reader, deadline time.Time, answer bool) ending {
	start := time.Now()
	nc.SetReadDeadline(deadline)
	for {
		f, err := readFrame(br)
		if err != nil {
			return ending{code: -1, other: netErrString(err), after: time.Since(start)}
		}
		if f.op == opClose {
			code := f.closeCode()
			if !answer {
				return ending{code: code, after: time.Since(start)}
			}
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			if code == 1005 {
				nc.Write(closeFrame(0))
			} else {
				nc.Write(closeFrame(code))
			}
			return ending{code: code, after: time.Since(start)}
		}
	}
}

// netErrString names a read error in a few words for the table.
func netErrString(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection reset"):
		return "reset"
	case strings.Contains(err.Error(), "broken pipe"):
		return "broken pipe"
	}
	return err.Error()
}

// newKey is a fresh Sec-WebSocket-Key.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// upgradeRequest is a valid opening handshake for target on addr, with extra header lines
// (each ending in CRLF) before the blank line.
func upgradeRequest(addr, target, extra string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + newKey() + "\r\n" + extra + "\r\n"
}

// deflateOffer asks for permessage-deflate without context takeover either way, so each
// bomb inflates on its own, as RFC 7692 §7.1.1 lets a client ask.
const deflateOffer = "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n"

// rawConn is an upgraded connection the attacker drives byte by byte.
type rawConn struct {
	net.Conn
	br *bufio.Reader
	// head is the server's 101 response head, for checking what it agreed to.
	head string
}

// dialUpgrade opens a TCP connection to addr and completes the opening handshake for target
// with the extra header lines, within timeout.
func dialUpgrade(addr, target, extra string, timeout time.Duration) (*rawConn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, upgradeRequest(addr, target, extra)); err != nil {
		nc.Close()
		return nil, err
	}
	rc := &rawConn{Conn: nc, br: bufio.NewReaderSize(nc, 4096)}
	var head strings.Builder
	for {
		line, err := rc.br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("reading the 101: %w", err)
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	rc.head = head.String()
	if !strings.HasPrefix(rc.head, "HTTP/1.1 101 ") {
		nc.Close()
		return nil, newRefusal(rc.head)
	}
	nc.SetDeadline(time.Time{})
	return rc, nil
}

// refusal is dialUpgrade's error when the server answered with a status other than 101:
// the attacks that expect a refusal check its status and headers.
type refusal struct {
	status int
	line   string      // the status line
	header http.Header // the response's headers
}

// newRefusal parses a response head (status line, headers, blank line).
func newRefusal(head string) *refusal {
	r := &refusal{}
	r.line, _, _ = strings.Cut(head, "\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head)), nil); err == nil {
		r.status, r.header = resp.StatusCode, resp.Header
	} else {
		r.header = http.Header{}
	}
	return r
}

// Error says the upgrade was refused and with which status line.
func (r *refusal) Error() string { return "upgrade refused: " + r.line }

// waitClose is waitClose on the connection's own reader, for up to d.
func (rc *rawConn) waitClose(d time.Duration, answer bool) ending {
	return waitClose(rc.Conn, rc.br, time.Now().Add(d), answer)
}

// reset closes the connection with an RST instead of a FIN (SO_LINGER 0), as a client that
// crashed or a middlebox that gave up does.
func reset(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	nc.Close()
}
