package ws

import (
	"encoding/binary"
	"slices"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/utf8"
)

// Engine is the RFC 6455 protocol state machine of one connection, fed with bytes and
// answering with events; it does no IO. It is not safe for concurrent use: one goroutine (or
// one event-loop turn) owns it at a time.
type Engine struct {
	maxFrame   int64
	maxMessage int64
	codec      Codec // the negotiated extension's, or nil

	hdr    frame.Header // the data frame whose payload is being read
	left   int64        // payload bytes of hdr still to come
	size   int64        // payload bytes of the message so far (compressed size when compressed)
	b      *buffers     // nil while no buffer holds memory
	err    error
	masker masker // client role only

	// Small fields last, packed together: an event loop keeps one Engine per connection.
	maskPos    uint8 // where in the mask the next payload byte is
	role       frame.Role
	extRsv     byte
	skipUTF8   bool
	stream     bool
	seq        frame.Sequence
	inFrame    bool
	compressed bool // the message in progress
	opcode     frame.Opcode
	text       utf8.Validator
	closeSent  bool
	closeRecv  bool
}

// buffers are what a message can grow in an Engine: the payload being assembled, the message
// inflated from it, and the control frames owed to the peer. An engine holds them only once
// one of them is needed, and lets them go (Trim, Release) when none holds memory, so that an
// idle connection's engine is its fields alone.
type buffers struct {
	msg []byte // assembled payload, when the message is not delivered in place
	// inflated is the decoded message of a compressed one.
	inflated []byte
	// replies holds the control frames the engine owes the peer for what it parsed: pongs,
	// the echo of its close, the close that fails the connection. AppendReplies hands them
	// to the driver.
	replies []byte
}

// bufs returns the engine's buffers, making them on first use.
func (e *Engine) bufs() *buffers {
	if e.b == nil {
		e.b = new(buffers)
	}
	return e.b
}

// dropBuffers lets the buffers go once none holds memory.
func (e *Engine) dropBuffers() {
	if b := e.b; b != nil && b.msg == nil && b.inflated == nil && b.replies == nil {
		e.b = nil
	}
}

// NewEngine returns an engine configured by cfg.
func NewEngine(cfg Config) *Engine {
	e := &Engine{}
	e.Reset(cfg)
	return e
}

// Reset readies e for a new connection with cfg, keeping its buffers.
func (e *Engine) Reset(cfg Config) {
	if b := e.b; b != nil {
		b.msg, b.inflated, b.replies = b.msg[:0], b.inflated[:0], b.replies[:0]
	}
	*e = Engine{b: e.b, masker: e.masker,
		role: cfg.Role, skipUTF8: cfg.SkipUTF8Validation, stream: cfg.Stream, codec: cfg.Codec}
	e.maxFrame = limit(cfg.MaxFrameSize, DefaultMaxFrameSize)
	e.maxMessage = limit(cfg.MaxMessageSize, DefaultMaxMessageSize)
	if cfg.Codec != nil {
		e.extRsv = cfg.Codec.Rsv()
	}
	if cfg.Role == frame.RoleClient {
		e.masker.init()
	}
}

// SetLimits changes the frame and message limits of a live connection; the values mean what
// they mean in Config. A message already in progress is held to the new limit from now on.
func (e *Engine) SetLimits(maxFrame, maxMessage int64) {
	e.maxFrame = limit(maxFrame, DefaultMaxFrameSize)
	e.maxMessage = limit(maxMessage, DefaultMaxMessageSize)
}

// Codec returns the negotiated extension's codec, or nil: a server that sends a message
// encoded once for many connections (server.Prepared) asks it how this one compresses.
func (e *Engine) Codec() Codec { return e.codec }

// CloseReceived reports whether the peer's close frame has been parsed.
func (e *Engine) CloseReceived() bool { return e.closeRecv }

// Err returns the error that failed the connection, if any. Errors are sticky: once Parse
// has returned one, it returns the same error again.
func (e *Engine) Err() error { return e.err }

// Release gives back the message buffers (and the extension's rebuildable state), for a
// connection about to sleep. Buffers are allocated again when needed. Release must not be
// called while a fragmented message is in progress if the engine assembles it.
func (e *Engine) Release() {
	if b := e.b; b != nil {
		if !e.seq.InMessage() && !e.inFrame {
			b.msg, b.inflated = nil, nil
		}
		if len(b.replies) == 0 {
			b.replies = nil
		}
		e.dropBuffers()
	}
	if e.codec != nil {
		e.codec.Release()
	}
}

// InMessage reports whether a data message is partly received: a frame's payload is still
// coming, or a fragmented message awaits its final frame.
func (e *Engine) InMessage() bool { return e.inFrame || e.seq.InMessage() }

// MessageMemory returns the bytes the engine's message buffers hold (assembled and
// inflated), which Trim and Release give back: what a server counts against a memory
// budget.
func (e *Engine) MessageMemory() int {
	if b := e.b; b != nil {
		return cap(b.msg) + cap(b.inflated)
	}
	return 0
}

// Trim drops the message buffers that have grown beyond keep bytes, once no message is in
// progress, so that a connection that received one large message does not hold its memory
// while it waits for the next (Cowboy's dynamic_buffer, for messages). A driver calls it
// after the event that used them is handled; the next large message grows them again.
func (e *Engine) Trim(keep int) {
	b := e.b
	if b == nil || e.InMessage() {
		return
	}
	if cap(b.msg) > keep {
		b.msg = nil
	}
	if cap(b.inflated) > keep {
		b.inflated = nil
	}
	e.dropBuffers()
}

// Parse consumes bytes from the front of b and returns the first event found, with the
// number of bytes consumed. EventNone means that b holds no complete event: the caller keeps
// b[n:], appends more bytes, and calls again. Parse unmasks b in place.
//
// The engine answers the peer itself, by queueing control frames that [Engine.AppendReplies]
// hands out: a pong for each ping (RFC 6455 §5.5.2; only for the latest of pings parsed
// between two AppendReplies calls, as §5.5.3 allows, so the queue stays bounded), the echo of the peer's close code
// and reason (§5.5.1), and, when Parse returns an error, the close frame that fails the connection with
// frame.CloseCodeOf(err) (§7.1.7). Once our close frame is sent, nothing more is queued. An
// error is sticky: Parse returns it again on every later call. After the peer's close frame,
// Parse consumes and ignores everything (§5.5.1: no data after a close).
func (e *Engine) Parse(b []byte) (ev Event, n int, err error) {
	if e.err != nil {
		return Event{}, 0, e.err
	}
	ev, n, err = e.parse(b)
	if err != nil {
		e.failWith(err)
		return ev, n, err
	}
	switch ev.Kind {
	case EventPing:
		if !e.closeSent {
			// Until our close is queued, replies holds at most one pong. A ping whose
			// predecessor's pong was not handed out yet replaces it (RFC 6455 §5.5.3 allows
			// answering only the latest), so a driver that drains late queues no more.
			b := e.bufs()
			b.replies, _ = e.AppendPong(b.replies[:0], ev.Data)
		}
	case EventClose:
		if !e.closeSent {
			b := e.bufs()
			b.replies = e.appendCloseEcho(b.replies, ev.Code, ev.Data)
		}
	}
	return ev, n, err
}

// appendCloseEcho answers the peer's close with its own code and reason (§5.5.1: the
// endpoint "typically echos the status code it received"). The reason goes back too, as
// node's ws and Python's websockets do, so that a browser's CloseEvent shows the reason its
// page sent; Parse has checked both, so the echo is a valid close frame.
func (e *Engine) appendCloseEcho(dst []byte, code frame.CloseCode, reason []byte) []byte {
	var buf [frame.MaxControlPayload]byte
	p := buf[:0]
	if code != frame.CloseNoStatus {
		p = append(binary.BigEndian.AppendUint16(p, uint16(code)), reason...)
	}
	e.closeSent = true
	return e.AppendFrame(dst, frame.Header{Fin: true, Opcode: frame.OpClose}, p)
}

// failWith records err as the connection's end and queues the close frame it calls for.
func (e *Engine) failWith(err error) {
	e.err = err
	if !e.closeSent {
		b := e.bufs()
		b.replies, _ = e.AppendClose(b.replies, frame.CloseCodeOf(err), "")
	}
}

// AppendReplies appends to dst the control frames queued by Parse and PayloadRead (see
// [Engine.Parse]) and forgets them. A driver calls it after each event or error and writes
// what it got before anything it sends later.
func (e *Engine) AppendReplies(dst []byte) []byte {
	if b := e.b; b != nil {
		dst = append(dst, b.replies...)
		b.replies = b.replies[:0]
	}
	return dst
}

func (e *Engine) parse(b []byte) (Event, int, error) {
	n := 0
	for {
		if e.closeRecv {
			return Event{}, len(b), nil
		}
		if !e.inFrame {
			h, hn, err := frame.ParseHeader(b[n:])
			if err != nil {
				return Event{}, n, err
			}
			if hn == 0 {
				return Event{}, n, nil
			}
			if err := e.acceptHeader(h); err != nil {
				// A malformed close frame is still the peer's close: it will send nothing
				// more, so the connection must not wait for another (Autobahn 7.3.6).
				e.closeRecv = h.Opcode == frame.OpClose
				return Event{}, n, err
			}
			if h.Opcode.IsControl() {
				end := n + hn + int(h.Length)
				if end > len(b) {
					// Control payloads are short: wait until the whole frame is here.
					return Event{}, n, nil
				}
				if err := e.seq.Next(h); err != nil {
					return Event{}, n, err
				}
				ev, err := e.control(h, b[n+hn:end])
				return ev, end, err
			}
			if err := e.seq.Next(h); err != nil {
				return Event{}, n, err
			}
			n += hn
			e.startFrame(h)
			if err := e.checkSize(h.Length); err != nil {
				return Event{}, n, err
			}
			if ev, m, ok, err := e.inPlace(b[n:]); ok || err != nil {
				return ev, n + m, err
			}
		}
		avail := min(e.left, int64(len(b)-n))
		if avail == 0 && e.left > 0 {
			return Event{}, n, nil
		}
		piece := b[n : n+int(avail)]
		n += int(avail)
		ev, done, err := e.payload(piece, false)
		if err != nil || done {
			return ev, n, err
		}
	}
}

func (e *Engine) acceptHeader(h frame.Header) error {
	if err := h.Check(e.role, e.extRsv); err != nil {
		return err
	}
	if h.Length > e.maxFrame {
		return frame.ErrFrameTooBig
	}
	return nil
}

func (e *Engine) startFrame(h frame.Header) {
	e.hdr, e.inFrame, e.left, e.maskPos = h, true, h.Length, 0
	if h.Opcode == frame.OpContinuation {
		return
	}
	e.opcode = h.Opcode
	e.compressed = h.Rsv&frame.RSV1 != 0 && e.codec != nil
	e.size = 0
	e.text.Reset()
	if b := e.b; b != nil {
		b.msg = b.msg[:0]
	}
}

// checkSize accounts for a frame of length bytes against the message limit. For a compressed
// message this bounds the compressed size; the decoded size is bounded while decoding.
func (e *Engine) checkSize(length int64) error {
	if length > e.maxMessage-e.size {
		return ErrMessageTooBig
	}
	e.size += length
	return nil
}

// validating reports whether the current message's bytes go through the UTF-8 validator as
// they arrive. Compressed text is validated after decoding.
func (e *Engine) validating() bool {
	return e.opcode == frame.OpText && !e.skipUTF8 && !e.compressed
}

// inPlace delivers a whole single-frame message straight from the caller's buffer when it is
// all there: the common case, with no copy.
func (e *Engine) inPlace(b []byte) (Event, int, bool, error) {
	h := e.hdr
	if !h.Fin || h.Opcode == frame.OpContinuation || e.compressed || e.stream || int64(len(b)) < h.Length {
		return Event{}, 0, false, nil
	}
	p := b[:h.Length]
	if h.Masked {
		frame.Mask(h.Mask, 0, p)
	}
	e.inFrame, e.left = false, 0
	if e.validating() && !utf8.Valid(p) {
		return Event{}, len(p), true, ErrInvalidUTF8
	}
	return Event{Kind: EventMessage, Opcode: h.Opcode, Data: p}, len(p), true, nil
}

// directFloor bounds what PayloadSpace offers beyond the bytes a message already has: a peer
// that announces a large frame and sends nothing more makes the engine allocate at most this.
const directFloor = 64 << 10

// PayloadSpace returns memory into which the caller may read the next bytes of the current
// data frame's payload straight from the socket, instead of into its own buffer and then
// through Parse: a large message is then copied once less. It returns nil when no data frame
// is in progress or its payload is delivered in pieces (Config.Stream). The space is at most
// what the frame still lacks, and at most max(64 KiB, the message so far). After reading n
// bytes into it, call PayloadRead(n) before any other method.
func (e *Engine) PayloadSpace() []byte {
	if !e.inFrame || e.left == 0 || e.stream && !e.compressed || e.err != nil || e.closeRecv {
		return nil
	}
	b := e.bufs()
	n := int(min(e.left, int64(max(directFloor, len(b.msg)))))
	b.msg = slices.Grow(b.msg, n)
	return b.msg[len(b.msg) : len(b.msg)+n]
}

// PayloadRead takes the n bytes the caller read into PayloadSpace's memory, exactly as Parse
// takes the same bytes: unmasked, validated, and completing the message when they are its
// last. An error queues the failing close frame and is sticky, as with Parse.
func (e *Engine) PayloadRead(n int) (Event, error) {
	if e.err != nil {
		return Event{}, e.err
	}
	if n < 0 || !e.inFrame || int64(n) > e.left || e.b == nil || n > cap(e.b.msg)-len(e.b.msg) {
		panic("ws: PayloadRead of more than PayloadSpace returned")
	}
	msg := e.b.msg
	ev, _, err := e.payload(msg[len(msg):len(msg)+n], true)
	if err != nil {
		e.failWith(err)
	}
	return ev, err
}

// payload takes the next piece of the current data frame's payload; inMsg says that p is
// already in place at the end of the message buffer. done reports that ev is an event to
// return.
func (e *Engine) payload(p []byte, inMsg bool) (ev Event, done bool, err error) {
	if e.hdr.Masked {
		e.maskPos = uint8(frame.Mask(e.hdr.Mask, int(e.maskPos), p))
	}
	e.left -= int64(len(p))
	if e.validating() {
		// Fail fast: the first byte that cannot start or continue a character ends the
		// connection, even if the rest of the message has not arrived (Autobahn 6.4.*).
		if _, ok := e.text.Feed(p); !ok {
			return Event{}, false, ErrInvalidUTF8
		}
	}
	frameDone := e.left == 0
	if frameDone {
		e.inFrame = false
	}
	last := frameDone && e.hdr.Fin
	if last && e.validating() && !e.text.Complete() {
		return Event{}, false, ErrInvalidUTF8
	}
	if e.stream && !e.compressed {
		if len(p) == 0 && !last {
			return Event{}, false, nil
		}
		return Event{Kind: EventFragment, Opcode: e.opcode, Data: p, Final: last}, true, nil
	}
	b := e.bufs()
	if inMsg {
		b.msg = b.msg[:len(b.msg)+len(p)]
	} else {
		b.msg = append(b.msg, p...)
	}
	if !last {
		return Event{}, false, nil
	}
	if !e.compressed {
		return Event{Kind: EventMessage, Opcode: e.opcode, Data: b.msg}, true, nil
	}
	return e.decode()
}

func (e *Engine) decode() (Event, bool, error) {
	b := e.bufs()
	out, err := e.codec.Decode(b.inflated[:0], b.msg, e.maxMessage)
	if err != nil {
		return Event{}, false, err
	}
	b.inflated = out
	if e.opcode == frame.OpText && !e.skipUTF8 && !utf8.Valid(out) {
		return Event{}, false, ErrInvalidUTF8
	}
	return Event{Kind: EventMessage, Opcode: e.opcode, Data: out}, true, nil
}

func (e *Engine) control(h frame.Header, p []byte) (Event, error) {
	if h.Masked {
		frame.Mask(h.Mask, 0, p)
	}
	switch h.Opcode {
	case frame.OpPing:
		return Event{Kind: EventPing, Data: p}, nil
	case frame.OpPong:
		return Event{Kind: EventPong, Data: p}, nil
	}
	// The peer has sent its close even when the frame is malformed: it will send nothing
	// more, so the connection must not wait for another close frame.
	e.closeRecv = true
	code, reason, err := parseClosePayload(p)
	if err != nil {
		return Event{}, err
	}
	return Event{Kind: EventClose, Code: code, Data: reason}, nil
}
