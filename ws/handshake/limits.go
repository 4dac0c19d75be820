package handshake

// Default limits for reading a handshake head. A browser's opening handshake is well under
// 1 KiB plus its cookies; 16 KiB leaves room for a large cookie jar while bounding what one
// connection can make the server buffer, and 64 lines is about four times what browsers send.
const (
	DefaultMaxHeaderBytes = 16 << 10
	DefaultMaxHeaders     = 64
)

// Limits bounds the head that [ReadRequest] and [ReadResponse] accept. The zero value (and any
// field zero or negative) means the defaults, so limits are always on.
type Limits struct {
	// MaxHeaderBytes bounds the request or status line plus every header line, line ends
	// included, plus any empty lines before the start line.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header lines (not distinct names).
	MaxHeaders int
}

func (l Limits) maxHeaderBytes() int {
	if l.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return l.MaxHeaderBytes
}

func (l Limits) maxHeaders() int {
	if l.MaxHeaders <= 0 {
		return DefaultMaxHeaders
	}
	return l.MaxHeaders
}

// WithDefaults returns the limits in effect: l with every field that is zero or negative set
// to its default.
func (l Limits) WithDefaults() Limits {
	return Limits{MaxHeaderBytes: l.maxHeaderBytes(), MaxHeaders: l.maxHeaders()}
}
