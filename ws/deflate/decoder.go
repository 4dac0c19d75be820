package deflate

// syncTail completes a payload for inflation. Its first four octets are the
// ones RFC 7692 §7.2.2 says to append (the LEN and NLEN of the empty stored
// block the sender's flush ended with); the last five are an empty stored
// block with BFINAL set, so that the inflater ends at a final block instead of
// running out of input mid-stream.
var syncTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// Decoder inflates the messages of one direction of one connection.
//
// Between messages a Decoder holds only its history, the last 2^windowBits
// inflated bytes, and only under context takeover: the inflater itself is
// borrowed from a pool for the length of one call, restarted each time with
// the history as its dictionary. A Decoder is not safe for concurrent use.
type Decoder struct {
	windowBits int
	takeover   bool
	history    []byte
}

// NewDecoder returns a Decoder for a peer that compresses with a window of
// 2^windowBits bytes (0 means 15; other values are clamped to 8..15),
// keeping history across messages when contextTakeover is set.
func NewDecoder(windowBits int, contextTakeover bool) *Decoder {
	return &Decoder{windowBits: windowBitsOrMax(windowBits), takeover: contextTakeover}
}

// AppendDecompress appends to dst the message inflated from payload, the
// concatenated payloads of all frames of one compressed message without
// the trailing 00 00 ff ff (RFC 7692 §7.2.2).
//
// It never produces more than limit bytes: once the message would exceed
// limit it stops and returns an error matching ErrInflatedTooBig (close code
// 1009). A payload that is not valid DEFLATE, or refers back past the
// window, gives an error matching ErrCorrupt (close code 1007). After an
// error dst holds what was inflated so far, the Decoder's history is
// undefined, and the connection must be failed.
func (d *Decoder) AppendDecompress(dst, payload []byte, limit int64) ([]byte, error) {
	var hist []byte
	if d.takeover {
		hist = d.history
	}
	st := inflateStates.Get().(*inflateState)
	start := len(dst)
	dst, err := st.inflate(dst, payload, hist, max(limit, 0))
	inflateStates.Put(st)
	if err == nil && d.takeover {
		d.remember(dst[start:])
	}
	return dst, err
}

// Release drops what the Decoder can rebuild, for a connection going idle.
// Under context takeover the history stays, trimmed to its length; the
// Decoder works as before on the next call.
func (d *Decoder) Release() {
	if cap(d.history) > len(d.history) {
		d.history = append([]byte(nil), d.history...)
	}
}

// remember slides msg into the history, keeping the last 2^windowBits bytes:
// all that a peer honouring the window can refer back to.
func (d *Decoder) remember(msg []byte) {
	window := 1 << d.windowBits
	if cap(d.history) < window {
		h := make([]byte, len(d.history), window)
		copy(h, d.history)
		d.history = h
	}
	if len(msg) >= window {
		d.history = append(d.history[:0], msg[len(msg)-window:]...)
		return
	}
	if keep := window - len(msg); len(d.history) > keep {
		d.history = d.history[:copy(d.history, d.history[len(d.history)-keep:])]
	}
	d.history = append(d.history, msg...)
}

func clampBits(bits int) int {
	return min(max(bits, MinWindowBits), MaxWindowBits)
}
