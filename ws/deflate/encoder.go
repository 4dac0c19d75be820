package deflate

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// Encoder compresses the messages of one direction of one connection with
// LZ77 over a window of 2^windowBits bytes and Huffman coding (RFC 1951).
//
// It never emits a back-reference farther than 2^windowBits bytes, which
// compress/flate cannot promise for windows under 32 KiB, and its window
// of 8 bits is a true 256-byte window (zlib quietly uses 9 for 8). Under
// context takeover the window carries over from message to message, and the
// Encoder holds it with its hash tables between messages (56 KiB at window 15
// and BestSpeed; 136 KiB above it, whose hash chains it keeps too), borrowing
// the rest for each call; without it the Encoder holds nothing between
// messages and borrows all its working memory from a pool. An Encoder is not
// safe for concurrent use.
type Encoder struct {
	windowBits int
	takeover   bool
	params     levelParams
	st         *encState // held between messages only under context takeover
	saved      []byte    // the window, kept by Release under context takeover
}

// NewEncoder returns an Encoder for a window of 2^windowBits bytes (0 means
// 15; other values are clamped to 8..15) at the given level (0 means
// DefaultLevel; out-of-range values are clamped to BestSpeed..BestCompression),
// keeping the window across messages when contextTakeover is set.
func NewEncoder(windowBits, level int, contextTakeover bool) *Encoder {
	return &Encoder{
		windowBits: windowBitsOrMax(windowBits),
		takeover:   contextTakeover,
		params:     paramsFor(level),
	}
}

// AppendCompress appends msg compressed as RFC 7692 §7.2.1 says: DEFLATE
// blocks ending in an empty stored block, without the final 00 00 ff ff.
// The result is the payload of a message whose first frame has RSV1 set.
// An empty msg compresses to the single byte 0x00.
func (e *Encoder) AppendCompress(dst, msg []byte) []byte {
	s := e.acquire()
	if s.sc == nil {
		s.sc = scratchPool.Get().(*encScratch)
	}
	s.sc.blk.bw = bitWriter{out: dst}
	for {
		if len(s.buf) == cap(s.buf) {
			if s.blockStart < s.pos-1<<e.windowBits {
				s.flush() // the pending block's input would slide out of the buffer
			}
			s.slide()
		}
		n := copy(s.buf[len(s.buf):cap(s.buf)], msg)
		s.buf = s.buf[:len(s.buf)+n]
		msg = msg[n:]
		final := len(msg) == 0
		limit := len(s.buf)
		if !final {
			// Keep a match's worth of lookahead for the next round.
			limit -= maxMatch
		}
		if e.params.fast {
			s.compressFast(limit)
		} else {
			s.compress(limit, &e.params)
		}
		if final {
			break
		}
	}
	s.flush()
	// The empty stored block's header, padded to a byte; its LEN and NLEN
	// are the 00 00 ff ff that RFC 7692 §7.2.1 removes.
	s.sc.blk.bw.writeBits(0, 3)
	s.sc.blk.bw.alignToByte()
	dst = s.sc.blk.bw.out
	s.sc.blk.bw.out = nil
	if e.takeover {
		scratchPool.Put(s.sc) // the window and the hash table stay; the rest is rebuilt per call
		s.sc = nil
	} else {
		e.pool().Put(s)
	}
	return dst
}

// Absorb puts msg into the window as if this Encoder had compressed it, producing nothing:
// for a message that reached the peer compressed by another encoder without reference to
// earlier messages (a broadcast compressed once, Shared), which the peer's decoder appended
// to its window all the same. Later messages may then refer back into it, and the two
// windows stay in step. Without context takeover there is no window to keep.
func (e *Encoder) Absorb(msg []byte) {
	if !e.takeover {
		return
	}
	s := e.acquire()
	for len(msg) > 0 {
		if len(s.buf) == cap(s.buf) {
			s.slide()
		}
		n := copy(s.buf[len(s.buf):cap(s.buf)], msg)
		s.buf = s.buf[:len(s.buf)+n]
		msg = msg[n:]
		// Taken as encoded; the next search hashes these positions first (s.hashed).
		s.pos, s.blockStart = len(s.buf), len(s.buf)
	}
}

// Release frees what the Encoder can rebuild, for a connection going idle.
// Under context takeover it keeps only the window, at most 2^windowBits
// bytes of history; the next AppendCompress rebuilds the rest. Without
// context takeover there is nothing to keep.
func (e *Encoder) Release() {
	s := e.st
	if s == nil {
		return
	}
	keep := min(len(s.buf), 1<<e.windowBits)
	e.saved = append([]byte(nil), s.buf[len(s.buf)-keep:]...)
	e.st = nil
	e.pool().Put(s)
}

// acquire returns working state holding the window the next message may
// refer back into.
func (e *Encoder) acquire() *encState {
	if e.st != nil {
		return e.st
	}
	s := e.pool().Get().(*encState)
	s.reset()
	if e.takeover {
		// Rebuilding after Release: the saved window goes back in front,
		// and the hash chains pick it up on the first search.
		s.buf = append(s.buf, e.saved...)
		s.pos, s.blockStart = len(s.buf), len(s.buf)
		e.saved = nil
		e.st = s
	}
	return s
}

// levelParams tune the match search. The figures follow zlib's table.
type levelParams struct {
	fast  bool // one candidate per position, no chains (compressFast)
	good  int  // a match this long already: search a quarter of the chain
	lazy  int  // try a lazy match only below this length; 0 means greedy
	nice  int  // stop searching at a match this long
	chain int  // hash-chain candidates examined per position; 0 finds no matches
}

var levels = [...]levelParams{
	1: {fast: true},
	2: {good: 4, lazy: 0, nice: 16, chain: 8},
	3: {good: 4, lazy: 0, nice: 32, chain: 32},
	4: {good: 4, lazy: 4, nice: 16, chain: 16},
	5: {good: 8, lazy: 16, nice: 32, chain: 32},
	6: {good: 8, lazy: 16, nice: 128, chain: 128},
	7: {good: 8, lazy: 32, nice: 128, chain: 256},
	8: {good: 32, lazy: 128, nice: 258, chain: 1024},
	9: {good: 32, lazy: 258, nice: 258, chain: 4096},
}

func paramsFor(level int) levelParams {
	switch {
	case level == HuffmanOnly:
		return levelParams{}
	case level == 0:
		level = DefaultLevel
	}
	return levels[min(max(level, BestSpeed), BestCompression)]
}

func windowBitsOrMax(bits int) int {
	if bits == 0 {
		return MaxWindowBits
	}
	return clampBits(bits)
}

const (
	// chunkSize is how much input the buffer takes beyond the window, and
	// takeoverChunk the same for an Encoder with context takeover, whose buffer
	// stays with its connection; takeoverHashBits bounds the hash table of such
	// an Encoder at BestSpeed (newEncState). A smaller chunk slides the window
	// more often: 8 KiB costs a 32 KiB copy per 8 KiB of input.
	chunkSize        = 32 << 10
	takeoverChunk    = 8 << 10
	takeoverHashBits = 13
	// maxBlockTokens bounds a block so that its Huffman codes stay fitted
	// to the data they code.
	maxBlockTokens = 1 << 14
	// hashMul spreads four bytes over the hash table (a prime near 2^32/φ).
	hashMul = 0x9e3779b1
)

// encState is an Encoder's working memory: the buffer holding the window
// and the input being encoded, the hash chains over it, and the pending
// block (sc). Positions are stored as abs = index + base, so that sliding the
// buffer or starting afresh moves base instead of rewriting the tables; the
// tables keep only the low 16 bits of a position (headCandidate).
type encState struct {
	windowBits int
	buf        []byte   // window, then input; cap is window + chunkSize or takeoverChunk
	head       []uint16 // newest abs position per hash, its low 16 bits (headCandidate)
	prev       []uint16 // older abs position with the same hash, by abs mod window, as head
	hashShift  uint
	base       int32
	hashed     int // positions below are in the hash chains
	pos        int // next position to encode
	blockStart int // first position of the pending block
	sc         *encScratch
	// chainFrom is the first abs position hashed since the tables were last valid (a
	// reset): a table entry for an older one is left from before, and ends a chain.
	chainFrom int32
}

// encScratch is what an Encoder needs only while it compresses: the pending block's tokens
// and the block writer's tables, about 80 KiB. Under context takeover it is borrowed for
// one call, so that a connection holds only its window and hash tables between messages.
// (The chains of the levels above BestSpeed stay too: without them, matches into earlier
// messages would come from the newest position of each hash only, which costs 10 to 20%
// of the size of small messages.)
type encScratch struct {
	tokens []token
	blk    blockWriter
}

var scratchPool = sync.Pool{New: func() any {
	return &encScratch{tokens: make([]token, 0, maxBlockTokens+maxMatch+1)}
}}

// headCandidate returns the position a head or chain entry stands for: the newest one below
// abs whose low 16 bits it holds (16-bit entries halve the tables). An entry left from before
// a reset mostly stands for a position below chainFrom, where insert ends the chain; one that
// stands for a wrong position (left from before a reset yet above chainFrom, or older than
// 64 KiB) costs comparisons, never a wrong match: every candidate is compared byte for byte,
// and a match is valid wherever it is found within the window and the buffer.
func headCandidate(abs int32, entry uint16) int32 {
	return abs - int32(uint16(abs)-entry)
}

// statePools hold working states by whether the Encoder keeps its window (context
// takeover), whether its level searches hash chains, and its window.
var statePools [2][2][MaxWindowBits - MinWindowBits + 1]sync.Pool

func init() {
	for takeover := range statePools {
		for chained := range statePools[takeover] {
			for i := range statePools[takeover][chained] {
				bits := MinWindowBits + i
				statePools[takeover][chained][i].New = func() any {
					return newEncState(bits, takeover == 1, chained == 1)
				}
			}
		}
	}
}

// pool returns the pool of the working states this Encoder's window and level use.
func (e *Encoder) pool() *sync.Pool {
	takeover, chained := 0, 1
	if e.takeover {
		takeover = 1
	}
	if e.params.fast {
		chained = 0
	}
	return &statePools[takeover][chained][e.windowBits-MinWindowBits]
}

// newEncState makes a working state: a 14-bit hash table and a 32 KiB chunk, except with
// context takeover, where the state stays with its connection: there the chunk is 8 KiB, and
// BestSpeed's table has 13 bits, so that such a connection holds 88 KiB at window 15 (0.3 to
// 0.8% larger output than with 14). The levels with hash chains keep 14 bits, which halves
// their chains' length, and hold their 64 KiB of chains anyway.
func newEncState(windowBits int, takeover, chained bool) *encState {
	hashBits, chunk := min(max(windowBits, 10), 14), chunkSize
	if takeover {
		chunk = takeoverChunk
		if !chained {
			hashBits = min(max(windowBits, 10), takeoverHashBits)
		}
	}
	return &encState{
		windowBits: windowBits,
		buf:        make([]byte, 0, 1<<windowBits+chunk),
		head:       make([]uint16, 1<<hashBits),
		hashShift:  uint(32 - hashBits),
		base:       1,
		chainFrom:  1,
	}
}

// reset forgets the window. Moving base past every stored position makes
// all of them invalid without clearing the tables.
func (s *encState) reset() {
	s.base += int32(len(s.buf)) + 1
	if s.base > 1<<30 {
		s.rebase()
	}
	s.chainFrom = s.base
	s.buf = s.buf[:0]
	s.pos, s.hashed, s.blockStart = 0, 0, 0
}

// rebase clears the tables before abs positions could overflow; positions
// still in the buffer are hashed again on the next search.
func (s *encState) rebase() {
	clear(s.head)
	clear(s.prev)
	s.base = 1
	s.hashed = 0
	s.chainFrom = 1
}

// slide drops input older than the window from the front of the buffer.
// The pending block's input must be within the window.
func (s *encState) slide() {
	delta := s.pos - 1<<s.windowBits
	if delta <= 0 {
		return
	}
	copy(s.buf, s.buf[delta:])
	s.buf = s.buf[:len(s.buf)-delta]
	s.pos -= delta
	s.blockStart -= delta
	s.hashed = max(s.hashed-delta, 0)
	s.base += int32(delta)
	if s.base > 1<<30 {
		s.rebase()
	}
}

// flush writes the pending tokens as a block.
func (s *encState) flush() {
	s.sc.blk.writeBlock(s.sc.tokens, s.buf[s.blockStart:s.pos])
	s.sc.tokens = s.sc.tokens[:0]
	s.blockStart = s.pos
}

// compressFast is BestSpeed: greedy, with one candidate per position (the newest with the
// same four-byte hash, no chains), no position inside or at the end of a match put in the
// table (hashing one cost more time than its matches saved bytes), and a stride that
// grows while no match turns up, so incompressible input costs little more than its
// literals. It gives up some ratio for about twice the speed of the chained search.
func (s *encState) compressFast(limit int) {
	// Positions left unhashed since the last search (a window put back after Release) are
	// hashed first, newest last, so that candidates are the nearest ones.
	for q := s.hashed; q < s.pos && q+4 <= len(s.buf); q++ {
		s.head[s.hash(q)] = uint16(int32(q) + s.base)
	}
	sc := s.sc
	p := s.pos
	window := int32(1) << s.windowBits
	misses := 0
	for p < limit {
		if len(sc.tokens) >= maxBlockTokens {
			s.pos = p
			s.flush()
		}
		if p+4 > len(s.buf) {
			sc.tokens = append(sc.tokens, literalToken(s.buf[p]))
			p++
			continue
		}
		cur := binary.LittleEndian.Uint32(s.buf[p:])
		h := (cur * hashMul) >> s.hashShift
		abs := int32(p) + s.base
		// The distance to the newest position with this hash, modulo 64 KiB: a wrong one is
		// ruled out by the comparison below (headCandidate).
		d := int32(uint16(abs) - s.head[h])
		s.head[h] = uint16(abs)
		if d > 0 && d <= window && int(d) <= p {
			ci := p - int(d)
			if binary.LittleEndian.Uint32(s.buf[ci:]) == cur {
				l := 4 + matchLen(s.buf[ci+4:], s.buf[p+4:min(p+maxMatch, len(s.buf))])
				sc.tokens = append(sc.tokens, matchToken(l, int(d)))
				p += l
				misses = 0
				continue
			}
		}
		// No match: literals, more of them between probes the longer the drought.
		step := min(1+misses>>5, 32)
		misses++
		for end := min(p+step, limit); p < end; p++ {
			sc.tokens = append(sc.tokens, literalToken(s.buf[p]))
		}
	}
	s.pos = p
	s.hashed = p
}

// compress encodes positions from s.pos up to limit (a final match may run
// past it), flushing a block whenever the token buffer fills.
func (s *encState) compress(limit int, lv *levelParams) {
	sc := s.sc
	p := s.pos
	for p < limit {
		if len(sc.tokens) >= maxBlockTokens {
			s.pos = p
			s.flush()
		}
		length, dist := s.search(p, lv, 0)
		// Lazy matching: a longer match starting one byte later is worth
		// a literal now.
		for lv.lazy > 0 && length >= minMatch && length < lv.lazy && p+1 < limit {
			next, nextDist := s.search(p+1, lv, length)
			if next <= length {
				break
			}
			sc.tokens = append(sc.tokens, literalToken(s.buf[p]))
			p++
			length, dist = next, nextDist
		}
		if length >= minMatch {
			sc.tokens = append(sc.tokens, matchToken(length, dist))
			p += length
		} else {
			sc.tokens = append(sc.tokens, literalToken(s.buf[p]))
			p++
		}
	}
	s.pos = p
}

func (s *encState) hash(p int) uint32 {
	return (binary.LittleEndian.Uint32(s.buf[p:]) * hashMul) >> s.hashShift
}

// insert adds position p, which has four bytes after it, to the chains and
// returns the previous head of its chain.
func (s *encState) insert(p int) int32 {
	h := s.hash(p)
	abs := int32(p) + s.base
	cand := headCandidate(abs, s.head[h])
	if cand < s.chainFrom {
		cand = abs // a link to itself ends the chain (search stops at next >= cand)
	}
	s.prev[abs&int32(len(s.prev)-1)] = uint16(cand)
	s.head[h] = uint16(abs)
	return cand
}

// search inserts every position up to q into the chains and returns the
// longest match at q within the window, or 0 if none reaches minMatch.
// A match no longer than have is not worth the search effort of a good one.
func (s *encState) search(q int, lv *levelParams, have int) (length, dist int) {
	if s.prev == nil {
		s.prev = make([]uint16, 1<<s.windowBits) // BestSpeed needs no chains
	}
	end := min(q, len(s.buf)-minMatch+1)
	for p := s.hashed; p < end; p++ {
		s.insert(p)
	}
	s.hashed = max(s.hashed, end)
	if q+minMatch > len(s.buf) {
		return 0, 0
	}
	cand := s.insert(q)
	s.hashed = q + 1
	chain := lv.chain
	if chain == 0 {
		return 0, 0
	}
	if have >= lv.good {
		chain >>= 2
	}

	target := s.buf[q:min(q+maxMatch, len(s.buf))]
	abs := int32(q) + s.base
	window := int32(1) << s.windowBits
	best, bestDist := minMatch-1, 0
	for ; chain > 0; chain-- {
		d := abs - cand
		ci := int(cand - s.base)
		if d <= 0 || d > window || ci < 0 {
			break
		}
		if s.buf[ci+best] == target[best] {
			if l := matchLen(s.buf[ci:], target); l > best {
				best, bestDist = l, int(d)
				if l >= lv.nice || l == len(target) {
					break
				}
			}
		}
		next := headCandidate(cand, s.prev[cand&int32(len(s.prev)-1)])
		if next >= cand {
			break
		}
		cand = next
	}
	if best < minMatch {
		return 0, 0
	}
	return best, bestDist
}

// matchLen returns how many leading bytes of b equal those of a; a is at
// least as long as b.
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
