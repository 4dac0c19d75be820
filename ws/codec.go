package ws

// Codec is the per-message part of a negotiated extension (RFC 6455 §9): it transforms whole
// messages on their way in and out, and owns reserved bits of the frame header.
// permessage-deflate's is deflate.Codec. The engine calls it from the connection's own
// goroutine only.
type Codec interface {
	// Rsv returns the reserved bits (frame.RSV1 etc.) the codec owns. A received message
	// whose first frame sets one of them is passed to Decode.
	Rsv() byte

	// Decode appends the decoded message to dst, given the concatenated payloads of all
	// frames of a message whose first frame set the extension's bits. It must not produce
	// more than limit bytes; it returns an error of kind frame.ErrBadSize when it would.
	Decode(dst, payload []byte, limit int64) ([]byte, error)

	// Encode appends the payload to send for msg to dst, and the reserved bits to set on the
	// message's first frame (0 to send msg as it is).
	Encode(dst, msg []byte) ([]byte, byte)

	// Release frees what the codec can rebuild later, while the connection sleeps.
	Release()
}
