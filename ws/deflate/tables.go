package deflate

// Constants and code tables of the DEFLATE format, RFC 1951 §3.2.5.
const (
	minMatch      = 4   // shortest match searched for: the hash covers 4 bytes
	maxMatch      = 258 // longest match DEFLATE can express
	endOfBlock    = 256
	numLitLen     = 286 // literal/length alphabet actually used (RFC 1951 §3.2.5)
	numDist       = 30
	numCodeLen    = 19
	maxCodeBits   = 15 // longest literal/length or distance code
	maxCLCodeBits = 7  // longest code-length code
	maxStoredLen  = 65535
)

// lengthBase and lengthExtra describe length codes 257..285.
var lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
var lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}

// distBase and distExtra describe distance codes 0..29.
var distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
var distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

// codeLenOrder is the order code-length code lengths are sent in (RFC 1951 §3.2.7).
var codeLenOrder = [numCodeLen]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// lengthCode maps length-3 to the index of its length code.
var lengthCode = func() (t [256]uint8) {
	for code := range lengthBase {
		for l := int(lengthBase[code]); l < int(lengthBase[code])+1<<lengthExtra[code] && l <= maxMatch; l++ {
			t[l-3] = uint8(code)
		}
	}
	return t
}()

// distCodeLow maps dist-1 below 256 to its distance code, distCodeHigh maps
// (dist-1)>>7 for the rest: from code 16 on, every code spans a multiple of
// 128 distances, aligned.
var distCodeLow, distCodeHigh = func() (low, high [256]uint8) {
	for code := range distBase {
		for d := int(distBase[code]) - 1; d < int(distBase[code])-1+1<<distExtra[code]; d++ {
			if d < 256 {
				low[d] = uint8(code)
			} else {
				high[d>>7] = uint8(code)
			}
		}
	}
	return low, high
}()

func distCode(dist int) int {
	if dist <= 256 {
		return int(distCodeLow[dist-1])
	}
	return int(distCodeHigh[(dist-1)>>7])
}

// fixedLitLen and fixedDist are the fixed Huffman codes of RFC 1951 §3.2.6.
var fixedLitLen, fixedDist = func() (lit, dist huffmanCode) {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	lit.assign(lens[:])
	var dlens [numDist]uint8
	for i := range dlens {
		dlens[i] = 5
	}
	dist.assign(dlens[:])
	return lit, dist
}()
