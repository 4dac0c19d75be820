package deflate

// Shared is the form in which one compressed message can go to many connections: a message
// compressed with no reference to earlier ones, under the window and level of the
// connections' encoders. Every connection whose Codec reports the same Shared can take the
// same bytes, so a broadcast compresses once per form instead of once per connection. A
// connection with context takeover (RFC 7692 §7.1.1) must then take the message into its
// window (Codec.Absorb), as its peer's decoder does.
type Shared struct {
	WindowBits int
	Level      int
}

// AppendCompress appends msg compressed in this form to dst, as Encoder.AppendCompress does.
func (s Shared) AppendCompress(dst, msg []byte) []byte {
	return NewEncoder(s.WindowBits, s.Level, false).AppendCompress(dst, msg)
}

// Shared reports the form in which this codec's connection takes a message compressed once
// for many.
func (x *Codec) Shared() Shared {
	return Shared{WindowBits: x.enc.windowBits, Level: x.cfg.Level}
}

// Absorb tells the codec that msg went to the peer compressed in its Shared form: under
// context takeover the encoder takes it into its window, as the peer's decoder did, so that
// the next messages may refer back into it; without, it does nothing.
func (x *Codec) Absorb(msg []byte) { x.enc.Absorb(msg) }

// ShouldCompress reports whether this codec compresses a message of size bytes (Config's
// Threshold).
func (x *Codec) ShouldCompress(size int) bool { return x.cfg.ShouldCompress(size) }
