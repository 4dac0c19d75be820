package ws

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// masker draws client masking keys. RFC 6455 §5.3 requires keys an attacker cannot predict;
// ChaCha8 seeded from crypto/rand is a cryptographically strong generator that costs a few
// nanoseconds per key instead of a system call.
type masker struct {
	rng *rand.ChaCha8
}

func (m *masker) init() {
	if m.rng != nil {
		return
	}
	var seed [32]byte
	crand.Read(seed[:]) // never fails on supported platforms (crypto/rand docs, Go 1.24+)
	m.rng = rand.NewChaCha8(seed)
}

func (m *masker) next() [4]byte {
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], uint32(m.rng.Uint64()))
	return k
}
