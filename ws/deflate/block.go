package deflate

import (
	"encoding/binary"
	"slices"
)

// A token is one LZ77 output: a literal byte below matchFlag, or a match
// with its length-3 in bits 15..22, distance-1 in bits 0..14 and the
// distance's code in bits 23..27, found once here rather than again by
// each pass over the tokens.
type token uint32

const matchFlag token = 1 << 31

func literalToken(b byte) token { return token(b) }

func matchToken(length, dist int) token {
	return matchFlag | token(distCode(dist))<<23 | token(length-3)<<15 | token(dist-1)
}

// distCodeOf returns the distance code of match token t.
func (t token) distCodeOf() int { return int(t>>23) & 31 }

// blockWriter chooses, for each run of tokens, the cheapest of a stored,
// fixed-Huffman and dynamic-Huffman block (RFC 1951 §3.2.3) and writes it.
// Its arrays are reused so that writing a block allocates nothing.
type blockWriter struct {
	bw       bitWriter
	litFreq  [numLitLen]uint32
	distFreq [numDist]uint32
	clFreq   [numCodeLen]uint32
	litLens  [numLitLen]uint8
	distLens [numDist]uint8
	clLens   [numCodeLen]uint8
	lit      huffmanCode
	dist     huffmanCode
	cl       huffmanCode
	rle      [numLitLen + numDist]uint16 // code-length symbols, extra value in bits 5..
	nrle     int
	builder  huffmanBuilder
	lenBits  [256]uint32 // lengthBits of the dynamic code of the block being written
}

// writeBlock writes tokens, which encode input, as one or more non-final blocks.
func (w *blockWriter) writeBlock(tokens []token, input []byte) {
	if len(tokens) == 0 {
		return
	}
	extraBits := w.count(tokens)

	fixedBits := 3 + extraBits
	for s, f := range w.litFreq {
		fixedBits += int(f) * int(fixedLitLen.lens[s])
	}
	for _, f := range w.distFreq {
		fixedBits += int(f) * 5
	}

	dynBits := 3 + extraBits + w.buildDynamic()
	for s, f := range w.litFreq {
		dynBits += int(f) * int(w.litLens[s])
	}
	for s, f := range w.distFreq {
		dynBits += int(f) * int(w.distLens[s])
	}

	storedBlocks := max(1, (len(input)+maxStoredLen-1)/maxStoredLen)
	storedBits := storedBlocks*(3+7+32) + 8*len(input)

	switch {
	case storedBits <= fixedBits && storedBits <= dynBits:
		w.writeStored(input)
	case fixedBits <= dynBits:
		w.bw.writeBits(0b010, 3) // BFINAL 0, BTYPE 01
		w.writeTokens(tokens, &fixedLitLen, &fixedDist, &fixedLenBits)
	default:
		w.bw.writeBits(0b100, 3) // BFINAL 0, BTYPE 10
		w.writeDynamicHeader()
		lengthBits(&w.lenBits, &w.lit)
		w.writeTokens(tokens, &w.lit, &w.dist, &w.lenBits)
	}
}

// count fills the symbol frequencies of tokens and returns the number of
// extra bits their lengths and distances need.
func (w *blockWriter) count(tokens []token) int {
	w.litFreq = [numLitLen]uint32{}
	w.distFreq = [numDist]uint32{}
	extra := 0
	for _, t := range tokens {
		if t < matchFlag {
			w.litFreq[t]++
			continue
		}
		lc := lengthCode[(t>>15)&0xff]
		dc := t.distCodeOf()
		w.litFreq[257+int(lc)]++
		w.distFreq[dc]++
		extra += int(lengthExtra[lc]) + int(distExtra[dc])
	}
	w.litFreq[endOfBlock] = 1
	return extra
}

// buildDynamic builds the dynamic codes for the counted frequencies and
// returns the size of the block header that describes them, in bits.
func (w *blockWriter) buildDynamic() int {
	w.builder.build(w.litFreq[:], w.litLens[:], maxCodeBits)
	w.builder.build(w.distFreq[:], w.distLens[:], maxCodeBits)
	if w.distLens == [numDist]uint8{} {
		// All literals: describe one unused distance code pair rather than
		// an empty tree, which some inflaters refuse.
		w.distLens[0], w.distLens[1] = 1, 1
	}
	w.lit.assign(w.litLens[:])
	w.dist.assign(w.distLens[:])

	hlit, hdist := w.trimmed()
	w.runLengths(hlit, hdist)
	w.builder.build(w.clFreq[:], w.clLens[:], maxCLCodeBits)
	w.cl.assign(w.clLens[:])

	bits := 5 + 5 + 4 + 3*w.hclen()
	for s, f := range w.clFreq {
		bits += int(f) * int(w.clLens[s])
	}
	bits += int(w.clFreq[16])*2 + int(w.clFreq[17])*3 + int(w.clFreq[18])*7
	return bits
}

// trimmed returns HLIT and HDIST: the code counts without trailing zeros.
func (w *blockWriter) trimmed() (hlit, hdist int) {
	hlit = numLitLen
	for hlit > 257 && w.litLens[hlit-1] == 0 {
		hlit--
	}
	hdist = numDist
	for hdist > 1 && w.distLens[hdist-1] == 0 {
		hdist--
	}
	return hlit, hdist
}

// hclen returns the number of code-length code lengths sent, at least 4.
func (w *blockWriter) hclen() int {
	n := numCodeLen
	for n > 4 && w.clLens[codeLenOrder[n-1]] == 0 {
		n--
	}
	return n
}

// runLengths run-length encodes the literal/length and distance code
// lengths with symbols 16, 17 and 18 (RFC 1951 §3.2.7) into w.rle and counts
// them in w.clFreq. Runs may cross from one table into the other.
func (w *blockWriter) runLengths(hlit, hdist int) {
	w.clFreq = [numCodeLen]uint32{}
	w.nrle = 0
	at := func(i int) uint8 {
		if i < hlit {
			return w.litLens[i]
		}
		return w.distLens[i-hlit]
	}
	emit := func(sym, extra int) {
		w.rle[w.nrle] = uint16(sym | extra<<5)
		w.nrle++
		w.clFreq[sym]++
	}
	total := hlit + hdist
	for i := 0; i < total; {
		l := at(i)
		run := 1
		for i+run < total && at(i+run) == l {
			run++
		}
		i += run
		if l == 0 {
			for run >= 11 {
				n := min(run, 138)
				emit(18, n-11)
				run -= n
			}
			if run >= 3 {
				emit(17, run-3)
				run = 0
			}
		} else {
			emit(int(l), 0)
			run--
			for run >= 3 {
				n := min(run, 6)
				emit(16, n-3)
				run -= n
			}
		}
		for ; run > 0; run-- {
			emit(int(l), 0)
		}
	}
}

func (w *blockWriter) writeDynamicHeader() {
	hlit, hdist := w.trimmed()
	hclen := w.hclen()
	w.bw.writeBits(uint32(hlit-257), 5)
	w.bw.writeBits(uint32(hdist-1), 5)
	w.bw.writeBits(uint32(hclen-4), 4)
	for _, sym := range codeLenOrder[:hclen] {
		w.bw.writeBits(uint32(w.clLens[sym]), 3)
	}
	for _, r := range w.rle[:w.nrle] {
		sym, extra := int(r&0x1f), uint32(r>>5)
		w.bw.writeBits(uint32(w.cl.codes[sym]), uint(w.cl.lens[sym]))
		switch sym {
		case 16:
			w.bw.writeBits(extra, 2)
		case 17:
			w.bw.writeBits(extra, 3)
		case 18:
			w.bw.writeBits(extra, 7)
		}
	}
}

// lengthBits fills t with every match length's code in lit and its extra bits: t[l] holds
// in bits 0-23 the code and extra bits of length l+3, in bits 24-31 how many there are.
// writeTokens then spends one load per length.
func lengthBits(t *[256]uint32, lit *huffmanCode) {
	for l := range t {
		lc := lengthCode[l]
		sym := 257 + int(lc)
		cl := uint32(lit.lens[sym])
		t[l] = uint32(lit.codes[sym]) | uint32(l+3-int(lengthBase[lc]))<<cl | (cl+uint32(lengthExtra[lc]))<<24
	}
}

// fixedLenBits is lengthBits of the fixed code, made once rather than per block.
var fixedLenBits = func() (t [256]uint32) {
	lengthBits(&t, &fixedLitLen)
	return t
}()

// tokenChunk is how many tokens writeTokens makes room for at a time.
const tokenChunk = 512

func (w *blockWriter) writeTokens(tokens []token, lit, dist *huffmanCode, lenBits *[256]uint32) {
	// The hot loop keeps the bit accumulator in locals and stores whole words into room made
	// up front: a token takes at most 15+5+15+13 bits, so with fewer than 16 bits pending at
	// each token the accumulator never overflows, and one word store drains it. The room is
	// made a chunk of tokens at a time, not for the whole block's worst case at once, so the
	// output's capacity stays close to what the block really takes: a caller's buffer sized
	// for the message is not outgrown.
	bw := &w.bw
	o := len(bw.out)
	buf := bw.out
	acc, n := bw.acc, bw.nbits
	for n >= 8 {
		buf = append(buf, byte(acc))
		o++
		acc >>= 8
		n -= 8
	}
	for len(tokens) > 0 {
		chunk := tokens[:min(len(tokens), tokenChunk)]
		tokens = tokens[len(chunk):]
		buf = slices.Grow(buf[:o], len(chunk)*6+16)
		buf = buf[:cap(buf)]
		for _, t := range chunk {
			if t < matchFlag {
				acc |= uint64(lit.codes[t]) << n
				n += uint(lit.lens[t])
			} else {
				lb := lenBits[uint8(t>>15)]
				acc |= uint64(lb&0xffffff) << n
				n += uint(lb >> 24)
				d := int(t&0x7fff) + 1
				dc := t.distCodeOf()
				acc |= (uint64(dist.codes[dc]) | uint64(d-int(distBase[dc]))<<dist.lens[dc]) << n
				n += uint(dist.lens[dc]) + uint(distExtra[dc])
			}
			if n >= 16 {
				binary.LittleEndian.PutUint64(buf[o:], acc)
				k := n >> 3
				o += int(k)
				acc >>= k << 3
				n &= 7
			}
		}
	}
	bw.out, bw.acc, bw.nbits = buf[:o], acc, n
	bw.writeBits(uint32(lit.codes[endOfBlock]), uint(lit.lens[endOfBlock]))
}

// writeStored writes input as stored blocks of at most 65535 bytes each.
func (w *blockWriter) writeStored(input []byte) {
	for {
		n := min(len(input), maxStoredLen)
		w.bw.writeBits(0, 3) // BFINAL 0, BTYPE 00
		w.bw.alignToByte()
		w.bw.out = append(w.bw.out, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		w.bw.out = append(w.bw.out, input[:n]...)
		input = input[n:]
		if len(input) == 0 {
			return
		}
	}
}
