// Package deflateinspect is a small DEFLATE decoder (RFC 1951) for tests alone: it reports
// what compress/flate does not, which block types a stream used and how far back its
// matches reach, so that ws/deflate's encoder can be checked against its window bound.
package deflateinspect

import (
	"errors"
	"fmt"
)

// Report describes one decoded payload.
type Report struct {
	Out        []byte // the decoded bytes, history excluded
	MaxDist    int    // the longest match distance used
	BlockTypes []int  // BTYPE of each block, the closing empty stored block included
}

type bitReader struct {
	in   []byte
	pos  int // in bits
	fail error
}

func (r *bitReader) bits(n int) int {
	v := 0
	for i := 0; i < n; i++ {
		if r.pos>>3 >= len(r.in) {
			r.fail = errors.New("inspect: unexpected end of input")
			return 0
		}
		v |= int(r.in[r.pos>>3]>>(r.pos&7)&1) << i
		r.pos++
	}
	return v
}

// canonical decodes symbols of a canonical Huffman code bit by bit: count
// holds the number of codes of each length, symbols the symbols in code order.
type canonical struct {
	count   [16]int
	symbols []int
}

func newCanonical(lens []int) (*canonical, error) {
	c := &canonical{}
	for _, l := range lens {
		c.count[l]++
	}
	c.count[0] = 0
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - c.count[l]
		if left < 0 {
			return nil, errors.New("inspect: oversubscribed code")
		}
	}
	for l := 1; l < 16; l++ {
		for s, sl := range lens {
			if sl == l {
				c.symbols = append(c.symbols, s)
			}
		}
	}
	return c, nil
}

func (c *canonical) decode(r *bitReader) int {
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		code |= r.bits(1)
		if n := c.count[l]; code-first < n {
			return c.symbols[index+code-first]
		} else {
			index += n
			first += n
		}
		first <<= 1
		code <<= 1
	}
	r.fail = errors.New("inspect: bad code")
	return -1
}

// Inspect decodes payload plus the 00 00 ff ff of RFC 7692 §7.2.2, with
// history as the window, and reports what it found.
func Inspect(payload, history []byte) (Report, error) {
	r := &bitReader{in: append(append([]byte(nil), payload...), 0, 0, 0xff, 0xff)}
	var rep Report
	out := append([]byte(nil), history...)
	for r.fail == nil && r.pos>>3 < len(r.in) {
		final := r.bits(1)
		btype := r.bits(2)
		rep.BlockTypes = append(rep.BlockTypes, btype)
		var err error
		switch btype {
		case 0:
			r.pos = (r.pos + 7) &^ 7
			n := r.bits(16)
			if nn := r.bits(16); nn != n^0xffff {
				return rep, errors.New("inspect: stored length mismatch")
			}
			for range n {
				out = append(out, byte(r.bits(8)))
			}
		case 1:
			lit := make([]int, 288)
			for i := range lit {
				switch {
				case i < 144, i >= 280:
					lit[i] = 8
				case i < 256:
					lit[i] = 9
				default:
					lit[i] = 7
				}
			}
			dist := make([]int, 30)
			for i := range dist {
				dist[i] = 5
			}
			out, err = inflateCodes(r, out, lit, dist, len(history), &rep)
		case 2:
			var lit, dist []int
			if lit, dist, err = readDynamicHeader(r); err == nil {
				out, err = inflateCodes(r, out, lit, dist, len(history), &rep)
			}
		default:
			err = errors.New("inspect: reserved block type")
		}
		if err != nil {
			return rep, err
		}
		if final == 1 {
			break
		}
	}
	rep.Out = out[len(history):]
	return rep, r.fail
}

func readDynamicHeader(r *bitReader) (lit, dist []int, err error) {
	hlit, hdist, hclen := r.bits(5)+257, r.bits(5)+1, r.bits(4)+4
	clLens := make([]int, 19)
	for _, sym := range codeLenOrder[:hclen] {
		clLens[sym] = r.bits(3)
	}
	cl, err := newCanonical(clLens)
	if err != nil {
		return nil, nil, err
	}
	var lens []int
	for len(lens) < hlit+hdist && r.fail == nil {
		switch sym := cl.decode(r); {
		case sym < 16:
			lens = append(lens, sym)
		case sym == 16:
			if len(lens) == 0 {
				return nil, nil, errors.New("inspect: repeat with no previous length")
			}
			for range 3 + r.bits(2) {
				lens = append(lens, lens[len(lens)-1])
			}
		case sym == 17:
			lens = append(lens, make([]int, 3+r.bits(3))...)
		default:
			lens = append(lens, make([]int, 11+r.bits(7))...)
		}
	}
	if len(lens) != hlit+hdist {
		return nil, nil, fmt.Errorf("inspect: %d code lengths for %d codes", len(lens), hlit+hdist)
	}
	return lens[:hlit], lens[hlit:], r.fail
}

func inflateCodes(r *bitReader, out []byte, litLens, distLens []int, historyLen int, rep *Report) ([]byte, error) {
	lit, err := newCanonical(litLens)
	if err != nil {
		return out, err
	}
	dist, err := newCanonical(distLens)
	if err != nil {
		return out, err
	}
	for r.fail == nil {
		sym := lit.decode(r)
		switch {
		case sym < 0:
		case sym < 256:
			out = append(out, byte(sym))
		case sym == 256:
			return out, nil
		case sym <= 285:
			i := sym - 257
			length := int(lengthBase[i]) + r.bits(int(lengthExtra[i]))
			dsym := dist.decode(r)
			if dsym < 0 || dsym >= 30 {
				return out, errors.New("inspect: bad distance code")
			}
			d := int(distBase[dsym]) + r.bits(int(distExtra[dsym]))
			if d > len(out) {
				return out, fmt.Errorf("inspect: distance %d before the start of the window", d)
			}
			rep.MaxDist = max(rep.MaxDist, d)
			for range length {
				out = append(out, out[len(out)-d])
			}
		default:
			return out, errors.New("inspect: bad literal/length code")
		}
	}
	return out, r.fail
}

// The tables of RFC 1951 §3.2.5 and §3.2.7, written out here rather than shared with the
// encoder under test.
var (
	lengthBase   = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra  = [29]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase     = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra    = [30]int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	codeLenOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)
