package deflate

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync"
)

// Our own inflater (RFC 1951 §3.2) works on the payload in memory and writes straight into
// the caller's slice: compress/flate reads through an io.ByteReader one byte at a time and
// copies through a 32 KiB window, which made inflating half of the cost of a compressed
// echo. The whole message and the history it may refer back into are in memory anyway.

// entry is one slot of a decoding table: what the next bits of the input, least significant
// first, decode to.
//
//	bits 0-3    length of the code in bits; 0 if no code starts with these bits
//	bits 4-7    extra bits after the code (length and distance symbols), or a subtable's
//	            index bits (links)
//	bits 8-9    kind
//	bits 16-31  the literal or code-length symbol, the base length or distance, or a
//	            subtable's offset (links)
type entry uint32

const (
	kindLiteral entry = 0 << 8 // a literal byte, or a code-length symbol
	kindBase    entry = 1 << 8 // a length (literal/length table) or a distance
	kindEnd     entry = 2 << 8 // end of block
	kindLink    entry = 3 << 8 // look the following bits up in a subtable
	kindMask    entry = 3 << 8

	noSymbol entry = math.MaxUint32 // a symbol the format reserves: its code is invalid
)

func (e entry) codeLen() uint   { return uint(e & 15) }
func (e entry) extra() uint     { return uint(e>>4) & 15 }
func (e entry) value() int      { return int(e >> 16) }
func (e entry) kind() entry     { return e & kindMask }
func (e entry) subMask() uint64 { return 1<<e.extra() - 1 }

// Each table resolves codes of up to its primary bits with one lookup and longer ones
// through a subtable per prefix, 2^(longest code - primary) slots each. The sizes bound the
// worst case: a subtable for every symbol.
const (
	litPrimary  = 10
	distPrimary = 8
	clPrimary   = maxCLCodeBits
	litTableLen = 1<<litPrimary + numLitLen<<(maxCodeBits-litPrimary)
	distTabLen  = 1<<distPrimary + numDist<<(maxCodeBits-distPrimary)
)

// litSymbols, distSymbols and clSymbols are each symbol's entry without its code length.
var litSymbols, distSymbols, clSymbols = func() (lit [288]entry, dist [32]entry, cl [numCodeLen]entry) {
	for s := range 256 {
		lit[s] = kindLiteral | entry(s)<<16
	}
	lit[endOfBlock] = kindEnd
	for i := range lengthBase {
		lit[257+i] = kindBase | entry(lengthExtra[i])<<4 | entry(lengthBase[i])<<16
	}
	lit[286], lit[287] = noSymbol, noSymbol // only the fixed code has them, and they are invalid
	for i := range distBase {
		dist[i] = kindBase | entry(distExtra[i])<<4 | entry(distBase[i])<<16
	}
	dist[30], dist[31] = noSymbol, noSymbol
	for s := range cl {
		cl[s] = kindLiteral | entry(s)<<16
	}
	return lit, dist, cl
}()

// fixedLitTable and fixedDistTable decode the fixed codes of RFC 1951 §3.2.6.
// They have the size of a dynamic block's tables so that one decoding loop, indexing arrays
// of known length, needs no bounds checks.
var fixedLitTable, fixedDistTable = func() (lit [litTableLen]entry, dist [distTabLen]entry) {
	buildTable(lit[:], litPrimary, fixedLitLen.lens[:], litSymbols[:])
	var dlens [32]uint8
	for i := range dlens {
		dlens[i] = 5
	}
	buildTable(dist[:], distPrimary, dlens[:], distSymbols[:])
	return lit, dist
}()

// buildTable fills t with the canonical code (RFC 1951 §3.2.2) of the given code lengths.
// It reports false for lengths that are not a complete prefix code. Like compress/flate and
// zlib it accepts two exceptions: no code at all (a block that then uses the table fails)
// and a single code of one bit.
func buildTable(t []entry, primary uint, lens []uint8, syms []entry) bool {
	var count [maxCodeBits + 1]int
	longest := 0
	for _, l := range lens {
		count[l]++
		longest = max(longest, int(l))
	}
	clear(t[:1<<primary])
	if longest == 0 {
		return true
	}
	left := 1
	for l := 1; l <= maxCodeBits; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false // over-subscribed
		}
	}
	if left > 0 && !(longest == 1 && count[1] == 1) {
		return false // incomplete
	}
	var next [maxCodeBits + 1]int
	code := 0
	count[0] = 0
	for l := 1; l <= maxCodeBits; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	subBits := uint(max(longest-int(primary), 0))
	used := 1 << primary
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		r := int(bits.Reverse16(uint16(next[l])) >> (16 - l))
		next[l]++
		e := syms[sym]
		if e == noSymbol {
			e = 0
		} else {
			e |= entry(l)
		}
		if uint(l) <= primary {
			for i := r; i < 1<<primary; i += 1 << l {
				t[i] = e
			}
			continue
		}
		p := r & (1<<primary - 1)
		if t[p].kind() != kindLink {
			t[p] = kindLink | entry(subBits)<<4 | entry(used)<<16
			clear(t[used : used+1<<subBits])
			used += 1 << subBits
		}
		sub := t[t[p].value() : t[p].value()+1<<subBits]
		for i := r >> primary; i < len(sub); i += 1 << (uint(l) - primary) {
			sub[i] = e
		}
	}
	return true
}

// inflateState is the working memory of one inflation, pooled: the tables of a dynamic
// block are built anew for each block.
type inflateState struct {
	lit  [litTableLen]entry
	dist [distTabLen]entry
	cl   [1 << clPrimary]entry
	lens [numLitLen + numDist]uint8

	// The input: in, then next once in is used up.
	in, next []byte
	pos      int
	bits     uint64 // unread bits, least significant first
	nb       uint   // how many of bits are input; the ones above are zero or the input at pos

	out   []byte
	start int // where this message starts in out
	end   int // len(out) may not pass end: the limit
	hist  []byte
}

var inflateStates = sync.Pool{New: func() any { return new(inflateState) }}

// Errors of the inflater, each with what was wrong.
var (
	errTruncated   = wrap(ErrCorrupt, "unexpected end of payload")
	errBlockType   = wrap(ErrCorrupt, "reserved block type")
	errCode        = wrap(ErrCorrupt, "invalid Huffman code")
	errCodeLengths = wrap(ErrCorrupt, "invalid code lengths")
	errStoredLen   = wrap(ErrCorrupt, "stored block length does not match its complement")
	errDistance    = wrap(ErrCorrupt, "distance refers back past the window")
)

// inflate appends to dst the DEFLATE stream of payload followed by syncTail, decoded with
// hist as what came before, producing at most limit bytes.
func (st *inflateState) inflate(dst, payload, hist []byte, limit int64) ([]byte, error) {
	st.in, st.next, st.pos, st.bits, st.nb = payload, syncTail, 0, 0, 0
	st.out, st.start, st.hist = dst, len(dst), hist
	st.end = math.MaxInt
	if limit < int64(math.MaxInt-len(dst)) {
		st.end = len(dst) + int(limit)
	}
	err := st.blocks()
	out := st.out
	st.in, st.next, st.out, st.hist = nil, nil, nil, nil
	return out, err
}

func (st *inflateState) blocks() error {
	for {
		if !st.need(3) {
			return errTruncated
		}
		final := st.bits&1 != 0
		typ := st.bits >> 1 & 3
		st.consume(3)
		var err error
		switch typ {
		case 0:
			err = st.stored()
		case 1:
			err = st.huffman(&fixedLitTable, &fixedDistTable)
		case 2:
			if err = st.dynamicHeader(); err == nil {
				err = st.huffman(&st.lit, &st.dist)
			}
		default:
			err = errBlockType
		}
		if err != nil || final {
			return err
		}
	}
}

// refill loads input into bits until it holds at least 56 of them or the input ends.
func (st *inflateState) refill() {
	if st.pos+8 <= len(st.in) {
		st.bits |= binary.LittleEndian.Uint64(st.in[st.pos:]) << st.nb
		st.pos += int(63-st.nb) >> 3
		st.nb |= 56
		return
	}
	for st.nb <= 56 {
		if st.pos == len(st.in) {
			if st.next == nil {
				return
			}
			st.in, st.pos, st.next = st.next, 0, nil
			continue
		}
		st.bits |= uint64(st.in[st.pos]) << st.nb
		st.pos++
		st.nb += 8
	}
}

// need reports whether n bits (at most 56) are there, refilling first.
func (st *inflateState) need(n uint) bool {
	if st.nb < n {
		st.refill()
	}
	return st.nb >= n
}

func (st *inflateState) consume(n uint) {
	st.bits >>= n
	st.nb -= n
}

// grow makes space in out for n more bytes, n within the limit. It doubles the room this
// message has had, from 512 bytes, but never goes past the limit, so a bomb costs at most
// about the limit. The capacity is exactly that, not append's rounding up: a message of
// 64 KiB ends in a buffer of 64 KiB, which a server that keeps buffers up to that size then
// reuses, rather than dropping it and growing another for every message.
func (st *inflateState) grow(n int) {
	if n > cap(st.out)-len(st.out) {
		room := max(2*(cap(st.out)-st.start), 512, len(st.out)-st.start+n)
		out := make([]byte, len(st.out), min(st.start+room, st.end))
		copy(out, st.out)
		st.out = out
	}
}

// writable is how far out may be filled without growing it or passing the limit.
func (st *inflateState) writable() int { return min(cap(st.out), st.end) }

// stored copies a stored block (RFC 1951 §3.2.4).
func (st *inflateState) stored() error {
	st.consume(st.nb & 7)
	if !st.need(32) {
		return errTruncated
	}
	n := int(st.bits & 0xffff)
	if uint16(st.bits>>16) != ^uint16(n) {
		return errStoredLen
	}
	st.consume(32)
	// The whole payload is here: what it lacks, no later read brings. The bytes it has go
	// out first, as from a stream, so the limit is met before the end of the input.
	var err error
	if avail := int(st.nb/8) + len(st.in) - st.pos + len(st.next); n > avail {
		n, err = avail, errTruncated
	}
	if n > st.end-len(st.out) {
		n, err = st.end-len(st.out), ErrInflatedTooBig // what fits, then the error
	}
	st.grow(n)
	for ; n > 0 && st.nb >= 8; n-- {
		st.out = append(st.out, byte(st.bits))
		st.consume(8)
	}
	if n > 0 {
		st.bits = 0 // what was above nb is the input at pos, read directly from here on
	}
	for n > 0 {
		if st.pos == len(st.in) {
			if st.next == nil {
				return errTruncated
			}
			st.in, st.pos, st.next = st.next, 0, nil
			continue
		}
		k := min(n, len(st.in)-st.pos)
		st.out = append(st.out, st.in[st.pos:st.pos+k]...)
		st.pos += k
		n -= k
	}
	return err
}

// dynamicHeader reads the code lengths of a dynamic block (RFC 1951 §3.2.7) and builds its
// tables.
func (st *inflateState) dynamicHeader() error {
	if !st.need(14) {
		return errTruncated
	}
	nlit := int(st.bits&31) + 257
	ndist := int(st.bits>>5&31) + 1
	ncl := int(st.bits>>10&15) + 4
	st.consume(14)
	if nlit > numLitLen || ndist > numDist {
		return errCodeLengths
	}
	var clLens [numCodeLen]uint8
	for i := range ncl {
		if !st.need(3) {
			return errTruncated
		}
		clLens[codeLenOrder[i]] = uint8(st.bits & 7)
		st.consume(3)
	}
	if !buildTable(st.cl[:], clPrimary, clLens[:], clSymbols[:]) {
		return errCodeLengths
	}
	lens := st.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		st.need(maxCLCodeBits + 7)
		e := st.cl[st.bits&(1<<clPrimary-1)]
		if n := e.codeLen(); n == 0 || n > st.nb {
			return errCodeLengths
		}
		st.consume(e.codeLen())
		sym := e.value()
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		// 16 repeats the previous length 3-6 times, 17 and 18 repeat zero 3-10 and 11-138.
		x, rep, val := uint(2), 3, uint8(0)
		switch sym {
		case 16:
			if i == 0 {
				return errCodeLengths
			}
			val = lens[i-1]
		case 17:
			x = 3
		default:
			x, rep = 7, 11
		}
		if x > st.nb {
			return errTruncated
		}
		rep += int(st.bits & (1<<x - 1))
		st.consume(x)
		if i+rep > len(lens) {
			return errCodeLengths
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	// A code without end-of-block is not refused here: its block can only run into the end
	// of the payload, and until then it inflates as compress/flate inflates it.
	if !buildTable(st.lit[:], litPrimary, lens[:nlit], litSymbols[:]) ||
		!buildTable(st.dist[:], distPrimary, lens[nlit:], distSymbols[:]) {
		return errCodeLengths
	}
	return nil
}

// huffman decodes one compressed block with the given tables. The hot loop keeps the bit
// reader and the output in locals (no closures: captured variables would live in memory);
// st holds them whenever a helper runs. One refill to 56 bits covers a length and a
// distance with their extra bits (15+5+15+13).
func (st *inflateState) huffman(lit *[litTableLen]entry, dist *[distTabLen]entry) error {
	in, pos, b, nb, out := st.in, st.pos, st.bits, st.nb, st.out
	lim := st.writable()
	var err error
	for {
		if nb < 48 {
			if pos+8 <= len(in) {
				b |= binary.LittleEndian.Uint64(in[pos:]) << nb
				pos += int(63-nb) >> 3
				nb |= 56
			} else {
				st.in, st.pos, st.bits, st.nb = in, pos, b, nb
				st.refill()
				in, pos, b, nb = st.in, st.pos, st.bits, st.nb
			}
		}
		e := lit[b&(1<<litPrimary-1)]
		if e.kind() == kindLink {
			e = lit[e.value()+int(b>>litPrimary&e.subMask())]
		}
		n := e.codeLen()
		if n == 0 || n > nb {
			err = codeError(n)
			break
		}
		b >>= n
		nb -= n
		if e.kind() == kindLiteral {
			if len(out) == lim {
				if lim == st.end {
					err = ErrInflatedTooBig
					break
				}
				st.out = out
				st.grow(1)
				out, lim = st.out, st.writable()
			}
			out = append(out, byte(e.value()))
			continue
		}
		if e.kind() == kindEnd {
			break
		}
		x := e.extra()
		if x > nb {
			err = errTruncated
			break
		}
		length := e.value() + int(b&(1<<x-1))
		b >>= x
		nb -= x

		e = dist[b&(1<<distPrimary-1)]
		if e.kind() == kindLink {
			e = dist[e.value()+int(b>>distPrimary&e.subMask())]
		}
		n = e.codeLen()
		if n == 0 || n > nb {
			err = codeError(n)
			break
		}
		b >>= n
		nb -= n
		x = e.extra()
		if x > nb {
			err = errTruncated
			break
		}
		d := e.value() + int(b&(1<<x-1))
		b >>= x
		nb -= x

		tooBig := false
		if length > lim-len(out) {
			if length > st.end-len(out) {
				length, tooBig = st.end-len(out), true // what fits, then the error
			}
			st.out = out
			st.grow(length)
			out, lim = st.out, st.writable()
		}
		if from := len(out) - d; from >= st.start && d >= 8 && length <= cap(out)-len(out)-8 {
			// The common case, done in words: the match is in this message and far enough
			// back not to overlap a word being written; the last word may write past the
			// match, into capacity beyond len(out) that nothing uses.
			to := len(out)
			w := out[:cap(out)]
			for k := 0; k < length; k += 8 {
				binary.LittleEndian.PutUint64(w[to+k:], binary.LittleEndian.Uint64(w[from+k:]))
			}
			out = out[:to+length]
		} else {
			var ok bool
			if out, ok = copyMatch(out, st.hist, st.start, d, length); !ok {
				err = errDistance
				break
			}
		}
		if tooBig {
			err = ErrInflatedTooBig
			break
		}
	}
	st.in, st.pos, st.bits, st.nb, st.out = in, pos, b, nb, out
	return err
}

// copyMatch appends the length bytes found d bytes back: in out after start, or before that
// in hist, the end of earlier messages. It reports false for a distance past both. out has
// room for length more bytes.
func copyMatch(out, hist []byte, start, d, length int) ([]byte, bool) {
	if produced := len(out) - start; d > produced {
		back := d - produced
		if back > len(hist) {
			return out, false
		}
		k := min(back, length)
		out = append(out, hist[len(hist)-back:][:k]...)
		if length -= k; length == 0 {
			return out, true
		}
	}
	from := len(out) - d
	if d >= length {
		return append(out, out[from:from+length]...), true
	}
	// Overlapping: the last d bytes repeat; each copy doubles what the next can take.
	to := len(out)
	out = out[:to+length]
	for to < len(out) {
		to += copy(out[to:], out[from:to])
	}
	return out, true
}

// codeError tells a code that is not in the table (n == 0) from one cut off by the end of
// the input.
func codeError(n uint) error {
	if n == 0 {
		return errCode
	}
	return errTruncated
}
