package handshake

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"

	"github.com/bronco-ws/bronco/internal/httptoken"
	"github.com/bronco-ws/bronco/ws/extension"
)

// Canonical header keys as http.CanonicalHeaderKey spells them (note "Websocket").
const (
	keyHost       = "Host"
	keyUpgrade    = "Upgrade"
	keyConnection = "Connection"
	keyOrigin     = "Origin"
	keyKey        = "Sec-Websocket-Key"
	keyVersion    = "Sec-Websocket-Version"
	keyProtocol   = "Sec-Websocket-Protocol"
	keyExtensions = "Sec-Websocket-Extensions"
	keyAccept     = "Sec-Websocket-Accept"
)

// Header names as RFC 6455 spells them, for error messages and for writing.
const (
	nameKey        = "Sec-WebSocket-Key"
	nameVersion    = "Sec-WebSocket-Version"
	nameProtocol   = "Sec-WebSocket-Protocol"
	nameExtensions = "Sec-WebSocket-Extensions"
	nameAccept     = "Sec-WebSocket-Accept"
)

// Request is a client's opening handshake that passed every check of RFC 6455 §4.2.1, or,
// over HTTP/2, of RFC 8441 §4–5 (an extended CONNECT; only FromHTTP sees those).
type Request struct {
	Method string // "GET", or "CONNECT" over HTTP/2
	Target string // the request-target as sent, such as "/chat?x=1"; over HTTP/2, the :path
	Proto  string // such as "HTTP/1.1", or "HTTP/2.0"
	// Host is the authority the client asked for: the Host header, or the authority of an
	// absolute-form target, which RFC 9112 §3.2.2 says takes precedence.
	Host string
	// Origin is the Origin header, "" if absent. Deciding whether to accept it is the
	// server's policy (RFC 6455 §4.2.2, §10.2), not this package's.
	Origin     string
	Key        string                // the Sec-WebSocket-Key value as sent; "" over HTTP/2
	Protocols  []string              // Sec-WebSocket-Protocol offers, in order of preference
	Extensions []extension.Extension // Sec-WebSocket-Extensions offers, in order
	// Header holds every header line under its canonical key except Host, which net/http
	// also moves out of the map, so that ReadRequest and FromHTTP agree.
	Header http.Header
}

// ReadRequest reads a client's opening handshake from br and validates it. It consumes
// exactly the head, up to and including its empty line: bytes the client sent after it, such
// as a first frame, stay buffered in br for the connection to read.
//
// A head that breaks HTTP/1.1 syntax or a rule of RFC 6455 §4.2.1 gives an [*Error] with the
// status to answer with (see [AppendErrorResponse]). Input ending before the head does gives
// io.EOF if nothing was read and io.ErrUnexpectedEOF otherwise; other read errors are returned
// as they are.
func ReadRequest(br *bufio.Reader, lim Limits) (*Request, error) {
	head, n, err := readHead(br, lim, true)
	if err != nil {
		return nil, err
	}
	line, fields, _ := strings.Cut(head, "\r\n")
	r := new(Request)
	if err := r.parseRequestLine(line); err != nil {
		return nil, err
	}
	r.Header = parseFields(fields, n)
	hosts := r.Header[keyHost]
	delete(r.Header, keyHost)
	if len(hosts) == 1 {
		r.Host = hosts[0]
	}
	if err := r.validate(len(hosts), bodyOf(r.Header)); err != nil {
		return nil, err
	}
	return r, nil
}

// FromHTTP validates a request that net/http has already read, with the same rules as
// [ReadRequest], and returns the same result. Header is r.Header itself, not a copy; net/http's
// server has already moved Host out of it and refused a missing or repeated Host.
//
// An HTTP/2 request is checked as RFC 8441 asks: an extended CONNECT with :protocol
// websocket (net/http's server hands its handlers those only with GODEBUG=http2xconnect=1
// in the environment) and no Sec-WebSocket-Key; [Response.HTTP2Header] writes the answer.
func FromHTTP(r *http.Request) (*Request, error) {
	req := &Request{
		Method: r.Method,
		Target: r.RequestURI,
		Proto:  r.Proto,
		Host:   r.Host,
		Header: r.Header,
	}
	if req.Target == "" && r.URL != nil {
		req.Target = r.URL.RequestURI() // a request built in-process rather than read
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	hosts := 0
	if req.Host != "" {
		hosts = 1 // net/http's server has already refused a repeated Host
	}
	var err error
	if r.ProtoMajor == 2 {
		err = req.validateHTTP2(hosts) // HTTP/2 as net/http's server parsed it, not as a request line says
	} else {
		// net/http has read the framing fields into ContentLength and TransferEncoding
		// (and refused differing lengths itself).
		err = req.validate(hosts, body{chunked: len(r.TransferEncoding) > 0, length: max(r.ContentLength, 0)})
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// parseRequestLine splits "GET /chat HTTP/1.1" (RFC 9112 §3): method SP request-target SP
// HTTP-version, single spaces, nothing else.
func (r *Request) parseRequestLine(line string) error {
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !httptoken.IsToken(method) || target == "" {
		return newError(http.StatusBadRequest, "", "malformed request line", ErrMalformed)
	}
	for i := 0; i < len(target); i++ {
		if target[i] <= ' ' || target[i] >= 0x7f {
			return newError(http.StatusBadRequest, "", "malformed request-target", ErrMalformed)
		}
	}
	if _, _, ok := parseHTTPVersion(proto); !ok {
		return newError(http.StatusBadRequest, "", "malformed HTTP version", ErrMalformed)
	}
	r.Method, r.Target, r.Proto = method, target, proto
	return nil
}

// validate applies RFC 6455 §4.2.1 in the order a server should report failures: the HTTP
// framing first, then the headers, Sec-WebSocket-Version before Sec-WebSocket-Key so that an
// old-draft client learns which version to speak.
func (r *Request) validate(hosts int, b body) error {
	major, minor, ok := parseHTTPVersion(r.Proto)
	if !ok {
		return newError(http.StatusBadRequest, "", "malformed HTTP version", ErrMalformed)
	}
	if major != 1 || minor < 1 {
		return newError(http.StatusHTTPVersionNotSupported, "", "HTTP/1.1 or later required", ErrBadProto)
	}
	if r.Method != http.MethodGet {
		return newError(http.StatusMethodNotAllowed, "", "method must be GET", ErrBadMethod)
	}
	if err := b.check(); err != nil {
		return err
	}
	if err := r.checkTarget(); err != nil {
		return err
	}
	if err := checkHost(r.Host, hosts); err != nil {
		return err
	}
	h := r.Header
	if !hasToken(h[keyUpgrade], "websocket") {
		return newError(http.StatusBadRequest, keyUpgrade, "no websocket token", ErrBadUpgrade)
	}
	if !hasToken(h[keyConnection], "upgrade") {
		return newError(http.StatusBadRequest, keyConnection, "no Upgrade token", ErrBadConnection)
	}
	if err := checkVersion(h[keyVersion]); err != nil {
		return err
	}
	if err := checkKey(h[keyKey]); err != nil {
		return err
	}
	r.Key = h[keyKey][0]
	return r.checkOffers()
}

// validateHTTP2 applies RFC 8441 §4 and §5 to an HTTP/2 request: an extended CONNECT whose
// :protocol is websocket, with a :path, an :authority, and Sec-WebSocket-Version 13; the
// subprotocol and extension offers are read as over HTTP/1.1. There is no
// Sec-WebSocket-Key (§5: the key and Sec-WebSocket-Accept are not used), so one that comes
// anyway is ignored and Key stays "".
func (r *Request) validateHTTP2(hosts int) error {
	if r.Method != http.MethodConnect {
		return newError(http.StatusMethodNotAllowed, "", "over HTTP/2 a WebSocket opens with an extended CONNECT (RFC 8441)", ErrBadMethod)
	}
	if p := r.Header[keyPseudoProtocol]; len(p) != 1 || p[0] != "websocket" {
		return newError(http.StatusBadRequest, keyPseudoProtocol, "not websocket", ErrBadUpgrade)
	}
	if !strings.HasPrefix(r.Target, "/") {
		return newError(http.StatusBadRequest, "", ":path is not a resource name", ErrBadTarget)
	}
	if strings.ContainsRune(r.Target, '#') {
		return newError(http.StatusBadRequest, "", "fragment in :path", ErrBadTarget)
	}
	if err := checkHost(r.Host, hosts); err != nil {
		return err
	}
	if err := checkVersion(r.Header[keyVersion]); err != nil {
		return err
	}
	return r.checkOffers()
}

// body is what a request's framing fields say of its body (RFC 9112 §6).
type body struct {
	chunked bool   // Transfer-Encoding is present
	length  int64  // the Content-Length, 0 when absent
	invalid string // why the Content-Length fields cannot be read, "" when they can
}

// bodyOf reads the framing fields of a request ReadRequest parsed.
func bodyOf(h http.Header) body {
	b := body{chunked: len(h["Transfer-Encoding"]) > 0}
	var seen string
	for _, field := range h["Content-Length"] {
		for _, v := range strings.Split(field, ",") {
			v = strings.TrimSpace(v)
			n, err := strconv.ParseInt(v, 10, 64)
			switch {
			case err != nil || n < 0 || v == "" || v[0] == '+':
				b.invalid = "not a length"
			case seen != "" && v != seen:
				b.invalid = "differing lengths" // RFC 9112 §6.3 item 5: MUST be answered 400
			}
			seen, b.length = v, n
		}
	}
	return b
}

// check refuses an upgrade request that carries a body: a GET upgrade has none (RFC 6455
// §4.1), and the bytes of one would otherwise be read as the client's first frames. A
// Content-Length of 0 is no body.
func (b body) check() error {
	switch {
	case b.invalid != "":
		return newError(http.StatusBadRequest, "Content-Length", b.invalid, ErrBody)
	case b.chunked:
		return newError(http.StatusBadRequest, "Transfer-Encoding", "an upgrade request has no body", ErrBody)
	case b.length > 0:
		return newError(http.StatusBadRequest, "Content-Length", "an upgrade request has no body", ErrBody)
	}
	return nil
}

// keyPseudoProtocol is where net/http's HTTP/2 server puts an extended CONNECT's :protocol
// pseudo-header (RFC 8441 §4).
const keyPseudoProtocol = ":protocol"

// checkOffers reads the Origin and the subprotocol and extension offers, the same over
// HTTP/1.1 and HTTP/2.
func (r *Request) checkOffers() error {
	h := r.Header
	switch origins := h[keyOrigin]; len(origins) {
	case 0:
	case 1:
		r.Origin = origins[0]
	default:
		// RFC 6454 §7.3: a user agent MUST NOT send more than one Origin; two would leave
		// the server's origin policy guessing which one counts.
		return newError(http.StatusBadRequest, "Origin", "repeated", ErrBadOrigin)
	}
	var err error
	if r.Protocols, err = ParseProtocols(h[keyProtocol]); err != nil {
		return err
	}
	if r.Extensions, err = parseExtensions(h[keyExtensions], http.StatusBadRequest); err != nil {
		return err
	}
	return nil
}

// checkTarget accepts the origin-form "/path?query" and the absolute-form
// "http(s)://authority/path" that RFC 6455 §4.1 step 3 allows, without a fragment (§3).
// For the absolute form the authority becomes Host, as RFC 9112 §3.2.2 requires.
func (r *Request) checkTarget() error {
	t := r.Target
	if strings.ContainsRune(t, '#') {
		return newError(http.StatusBadRequest, "", "fragment in request-target", ErrBadTarget)
	}
	if strings.HasPrefix(t, "/") {
		return nil
	}
	var rest string
	switch {
	case len(t) > len("http://") && strings.EqualFold(t[:len("http://")], "http://"):
		rest = t[len("http://"):]
	case len(t) > len("https://") && strings.EqualFold(t[:len("https://")], "https://"):
		rest = t[len("https://"):]
	default:
		return newError(http.StatusBadRequest, "", "request-target is not a resource name", ErrBadTarget)
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority = rest[:i]
	}
	if authority == "" {
		return newError(http.StatusBadRequest, "", "absolute request-target without host", ErrBadTarget)
	}
	if strings.ContainsRune(authority, '@') {
		// RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http(s) URI as an error.
		return newError(http.StatusBadRequest, "", "userinfo in request-target", ErrBadTarget)
	}
	r.Host = authority
	return nil
}

// checkHost applies RFC 9112 §3.2: exactly one Host, and RFC 6455 §4.2.1 step 2: it names
// the server's authority, so it cannot be empty.
func checkHost(host string, count int) error {
	switch {
	case count > 1:
		return newError(http.StatusBadRequest, keyHost, "repeated", ErrBadHost)
	case count == 0 || host == "":
		// One reason for both: net/http hands FromHTTP an empty Host either way.
		return newError(http.StatusBadRequest, keyHost, "missing or empty", ErrBadHost)
	case strings.ContainsAny(host, " \t,/"):
		return newError(http.StatusBadRequest, keyHost, "not an authority", ErrBadHost)
	}
	return nil
}

// checkVersion answers a missing or unknown Sec-WebSocket-Version with 426. RFC 6455 §4.2.1
// would allow 400 for a missing header, but §4.2.2 says a server that does not understand the
// client's version MUST answer with a Sec-WebSocket-Version listing its own, and 426 is the
// status that response goes with; a client old enough to send no version at all (the
// pre-RFC drafts) is exactly the one that needs to be told "13".
func checkVersion(values []string) error {
	switch {
	case len(values) == 0:
		return newError(http.StatusUpgradeRequired, nameVersion, "missing", ErrBadVersion)
	case len(values) > 1:
		// RFC 6455 §11.3.5: MUST NOT appear more than once in a request.
		return newError(http.StatusBadRequest, nameVersion, "repeated", ErrBadVersion)
	case values[0] != "13":
		return newError(http.StatusUpgradeRequired, nameVersion, "unsupported version", ErrBadVersion)
	}
	return nil
}

// checkKey applies RFC 6455 §4.2.1 step 5 and §11.3.1 (at most one Sec-WebSocket-Key).
func checkKey(values []string) error {
	switch {
	case len(values) == 0:
		return newError(http.StatusBadRequest, nameKey, "missing", ErrMissingKey)
	case len(values) > 1:
		return newError(http.StatusBadRequest, nameKey, "repeated", ErrBadKey)
	case !isKey(values[0]):
		return newError(http.StatusBadRequest, nameKey, "not base64 of 16 bytes", ErrBadKey)
	}
	return nil
}
