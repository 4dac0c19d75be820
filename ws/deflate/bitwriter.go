package deflate

// bitWriter appends a DEFLATE bit stream to out, least significant bit
// first (RFC 1951 §3.1.1). Bits wait in acc until four whole bytes can go.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

// writeBits writes the n low bits of v; n is at most 32.
func (w *bitWriter) writeBits(v uint32, n uint) {
	w.acc |= uint64(v) << w.nbits
	w.nbits += n
	if w.nbits >= 32 {
		w.out = append(w.out, byte(w.acc), byte(w.acc>>8), byte(w.acc>>16), byte(w.acc>>24))
		w.acc >>= 32
		w.nbits -= 32
	}
}

// alignToByte flushes every pending bit, padding the last byte with zeros.
func (w *bitWriter) alignToByte() {
	for w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits = w.nbits - min(w.nbits, 8)
	}
	w.acc = 0
}

// bitPos is the number of bits written so far, modulo 8.
func (w *bitWriter) bitPos() uint { return w.nbits % 8 }
