package handshake

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/bronco-ws/bronco/internal/httptoken"
)

// A head is the start line and header lines of an HTTP/1.1 message, read in two passes.
// The first pass (readHead) frames and checks the lines as they arrive and copies them into one
// scratch buffer; the second (parseFields) works on a single string made from that buffer, so
// every name and value kept is a substring of one allocation instead of one string per line.

// scratchSize covers a typical browser handshake without growing the scratch buffer.
const scratchSize = 2048

// scratches holds readHead's buffers. A pool rather than an array on the stack: a server
// reads each handshake on a new goroutine, whose small stack would be grown (copied) to make
// room for the array, once per connection.
var scratches = sync.Pool{New: func() any { return new([scratchSize]byte) }}

// readHead reads from br up to and including the empty line that ends a head, leaving any
// later bytes (a first WebSocket frame, say) buffered in br. It returns the start line and
// header lines, each ending in CRLF, without the final empty line, and the number of header
// lines. Running out of input gives io.EOF before the first byte and io.ErrUnexpectedEOF after.
func readHead(br *bufio.Reader, lim Limits, isRequest bool) (string, int, error) {
	scratch := scratches.Get().(*[scratchSize]byte)
	defer scratches.Put(scratch)
	buf := scratch[:0]
	maxBytes, maxFields := lim.maxHeaderBytes(), lim.maxHeaders()
	read := 0      // bytes taken from br, the quantity MaxHeaderBytes bounds
	fields := -1   // header lines so far; -1 until the start line is complete
	lineStart := 0 // offset in buf of the line being assembled
	for {
		frag, err := br.ReadSlice('\n')
		read += len(frag)
		if read > maxBytes {
			return "", 0, headTooLarge(fields < 0 && isRequest)
		}
		buf = append(buf, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // a line longer than br's buffer: keep assembling it in buf
		}
		if err != nil {
			if err == io.EOF {
				if read == 0 {
					return "", 0, io.EOF
				}
				return "", 0, io.ErrUnexpectedEOF
			}
			return "", 0, err
		}
		line := buf[lineStart : len(buf)-1]
		// RFC 9112 §2.2 lets a recipient accept a bare LF as a line end. We do not: every
		// client sends CRLF, and an intermediary that splits lines differently from us is
		// how request smuggling starts.
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return "", 0, newError(http.StatusBadRequest, "", "bare LF line ending", ErrMalformed)
		}
		line = line[:len(line)-1]
		switch {
		case fields < 0 && len(line) == 0:
			// RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line.
			buf = buf[:lineStart]
			continue
		case fields < 0:
			fields = 0
		case len(line) == 0:
			return string(buf[:lineStart]), fields, nil
		default:
			fields++
			if fields > maxFields {
				return "", 0, newError(http.StatusRequestHeaderFieldsTooLarge, "", "too many header lines", ErrTooLarge)
			}
			if err := checkFieldLine(line); err != nil {
				return "", 0, err
			}
		}
		lineStart = len(buf)
	}
}

func headTooLarge(inRequestLine bool) error {
	if inRequestLine {
		return newError(http.StatusRequestURITooLong, "", "request line too long", ErrTooLarge)
	}
	return newError(http.StatusRequestHeaderFieldsTooLarge, "", "header section too large", ErrTooLarge)
}

// checkFieldLine checks one header line (without its CRLF) against RFC 9112 §5:
// field-name ":" OWS field-value OWS.
func checkFieldLine(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		// RFC 9112 §5.2: obs-fold outside message/http MUST be rejected or replaced; we
		// reject, as no WebSocket client folds lines.
		return newError(http.StatusBadRequest, "", "obsolete line folding", ErrMalformed)
	}
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
		if !httptoken.IsTokenChar(c) {
			if c == ' ' || c == '\t' {
				// RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
				return newError(http.StatusBadRequest, "", "whitespace in or after header name", ErrMalformed)
			}
			return newError(http.StatusBadRequest, "", "invalid character in header name", ErrMalformed)
		}
	}
	if colon < 0 {
		return newError(http.StatusBadRequest, "", "header line without colon", ErrMalformed)
	}
	if colon == 0 {
		return newError(http.StatusBadRequest, "", "empty header name", ErrMalformed)
	}
	for _, c := range line[colon+1:] {
		if httptoken.IsCTL(c) {
			return newError(http.StatusBadRequest, string(line[:colon]), "control character in value", ErrMalformed)
		}
	}
	return nil
}

// parseFields turns header lines already checked by readHead into a Header. The values share
// one backing array, so a name seen once costs no slice of its own.
func parseFields(lines string, n int) http.Header {
	h := make(http.Header, n)
	strs := make([]string, n)
	for lines != "" {
		var line string
		line, lines, _ = strings.Cut(lines, "\r\n")
		name, value, _ := strings.Cut(line, ":")
		key := http.CanonicalHeaderKey(name)
		value = trimOWS(value)
		if vv, ok := h[key]; ok {
			h[key] = append(vv, value)
			continue
		}
		strs[0] = value
		h[key] = strs[:1:1]
		strs = strs[1:]
	}
	return h
}

// parseHTTPVersion parses "HTTP/x.y" with single digits, as RFC 9112 §2.3 defines it.
func parseHTTPVersion(v string) (major, minor int, ok bool) {
	if len(v) != len("HTTP/1.1") || !strings.HasPrefix(v, "HTTP/") || v[6] != '.' {
		return 0, 0, false
	}
	if !isDigit(v[5]) || !isDigit(v[7]) {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
