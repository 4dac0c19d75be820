package deflate

import (
	"math/bits"
	"slices"
)

// huffmanCode is a canonical prefix code (RFC 1951 §3.2.2): the length of
// each symbol's code, and the code itself bit-reversed, since the bit
// writer sends the least significant bit first and codes go most
// significant bit first.
type huffmanCode struct {
	lens  [288]uint8 // 288: the fixed code has two symbols past numLitLen
	codes [288]uint16
}

// assign gives every symbol of lens its canonical code.
func (h *huffmanCode) assign(lens []uint8) {
	var count [maxCodeBits + 1]uint16
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [maxCodeBits + 1]uint16
	code := uint16(0)
	for bits := 1; bits <= maxCodeBits; bits++ {
		code = (code + count[bits-1]) << 1
		next[bits] = code
	}
	for sym, l := range lens {
		h.lens[sym] = l
		if l == 0 {
			h.codes[sym] = 0
			continue
		}
		h.codes[sym] = reverseBits(next[l], l)
		next[l]++
	}
}

// reverseBits returns the n low bits of code in reverse order.
func reverseBits(code uint16, n uint8) uint16 {
	return bits.Reverse16(code) >> (16 - n)
}

// huffmanBuilder computes length-limited code lengths from frequencies.
// Its arrays are reused from block to block so building allocates nothing.
type huffmanBuilder struct {
	leaves [numLitLen]leaf
	keys   [numLitLen]uint64 // frequency above symbol, so that plain integers sort them
	parent [2 * numLitLen]int16
	depth  [2 * numLitLen]uint16
	weight [2 * numLitLen]uint32
}

type leaf struct {
	sym  uint16
	freq uint32
}

// build sets lens[s] to the code length of symbol s for the frequencies in
// freq, no longer than maxBits. If an optimal code would be too long, it
// halves the frequencies and tries again: a few retries at most, and the
// codes stay complete, as compress/flate's inflater requires.
func (b *huffmanBuilder) build(freq []uint32, lens []uint8, maxBits uint8) {
	n := 0
	for s, f := range freq {
		lens[s] = 0
		if f > 0 {
			b.keys[n] = uint64(f)<<16 | uint64(s)
			n++
		}
	}
	switch n {
	case 0:
		return
	case 1:
		// A lone symbol gets a one-bit code, and so does a neighbour, to
		// keep the code complete: every inflater accepts that shape.
		sym := uint16(b.keys[0])
		lens[sym] = 1
		lens[sym^1] = 1
		return
	}
	// By frequency, then symbol: sorting integers costs a fraction of sorting leaves with a
	// comparison function, which showed in profiles of small messages.
	keys := b.keys[:n]
	slices.Sort(keys)
	leaves := b.leaves[:n]
	for i, k := range keys {
		leaves[i] = leaf{uint16(k), uint32(k >> 16)}
	}
	for {
		if b.lengths(leaves) <= uint16(maxBits) {
			break
		}
		for i := range leaves {
			leaves[i].freq = leaves[i].freq>>1 | 1
		}
	}
	for i, l := range leaves {
		lens[l.sym] = uint8(b.depth[i])
	}
}

// lengths runs the two-queue Huffman construction over leaves sorted by
// frequency and returns the longest code length. Nodes 0..n-1 are the
// leaves, n..2n-2 the internal nodes in the order they were made, so a
// parent always has a larger index than its children.
func (b *huffmanBuilder) lengths(leaves []leaf) uint16 {
	n := len(leaves)
	for i, l := range leaves {
		b.weight[i] = l.freq
	}
	nextLeaf, nextNode := 0, n
	for made := n; made < 2*n-1; made++ {
		var kids [2]int
		for k := range kids {
			// Take the lighter of the next leaf and the next internal node;
			// ties go to the leaf, which keeps trees shallower.
			if nextLeaf < n && (nextNode >= made || b.weight[nextLeaf] <= b.weight[nextNode]) {
				kids[k] = nextLeaf
				nextLeaf++
			} else {
				kids[k] = nextNode
				nextNode++
			}
		}
		b.weight[made] = b.weight[kids[0]] + b.weight[kids[1]]
		b.parent[kids[0]] = int16(made)
		b.parent[kids[1]] = int16(made)
	}
	root := 2*n - 2
	b.depth[root] = 0
	var longest uint16
	for i := root - 1; i >= 0; i-- {
		b.depth[i] = b.depth[b.parent[i]] + 1
		if i < n && b.depth[i] > longest {
			longest = b.depth[i]
		}
	}
	return longest
}
