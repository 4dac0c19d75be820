package deflate

import "github.com/bronco-ws/bronco/ws/frame"

// Codec is permessage-deflate for one connection, as the ws engine's message codec
// (ws.Codec): it owns RSV1, compresses outgoing messages with our direction's window and
// inflates the peer's.
type Codec struct {
	cfg Config
	enc *Encoder
	dec *Decoder
}

// NewCodec returns the codec for the end role of one connection that agreed p. cfg supplies
// the level and threshold.
func NewCodec(p Params, cfg Config, role frame.Role) *Codec {
	return &Codec{cfg: cfg, enc: p.Encoder(role, cfg.Level), dec: p.Decoder(role)}
}

// Rsv returns RSV1, the bit RFC 7692 §6 gives a compressed message's first frame.
func (*Codec) Rsv() byte { return frame.RSV1 }

// Decode appends the inflated message to dst, producing at most limit bytes.
func (x *Codec) Decode(dst, payload []byte, limit int64) ([]byte, error) {
	return x.dec.AppendDecompress(dst, payload, limit)
}

// Encode appends msg compressed to dst with RSV1, or returns dst unchanged and 0 when msg is
// below the threshold. The decision comes before the encoder sees msg, so that under context
// takeover the two windows stay in step (see Config.ShouldCompress).
func (x *Codec) Encode(dst, msg []byte) ([]byte, byte) {
	if !x.cfg.ShouldCompress(len(msg)) {
		return dst, 0
	}
	return x.enc.AppendCompress(dst, msg), frame.RSV1
}

// Release frees what both directions can rebuild, while the connection sleeps.
func (x *Codec) Release() {
	x.enc.Release()
	x.dec.Release()
}
