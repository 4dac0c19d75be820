package deflate

// Shared is the form in which one compressed message can go to many connections: the window
// and level of an encoder that keeps no context between messages (RFC 7692 §7.1.1.1,
// server_no_context_takeover on a server). Every connection whose Codec reports the same
// Shared decodes the same bytes, so a broadcast compresses once per form instead of once per
// connection. Under context takeover each message depends on its connection's history, so
// there is no shared form.
type Shared struct {
	WindowBits int
	Level      int
}

// AppendCompress appends msg compressed in this form to dst, as Encoder.AppendCompress does.
func (s Shared) AppendCompress(dst, msg []byte) []byte {
	return NewEncoder(s.WindowBits, s.Level, false).AppendCompress(dst, msg)
}

// Shared reports the form in which this codec's connection can take a message compressed
// once for many, and false when it compresses with context takeover.
func (x *Codec) Shared() (Shared, bool) {
	if x.enc.takeover {
		return Shared{}, false
	}
	return Shared{WindowBits: x.enc.windowBits, Level: x.cfg.Level}, true
}

// ShouldCompress reports whether this codec compresses a message of size bytes (Config's
// Threshold).
func (x *Codec) ShouldCompress(size int) bool { return x.cfg.ShouldCompress(size) }
