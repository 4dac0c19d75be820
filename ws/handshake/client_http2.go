package handshake

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bronco-ws/bronco/internal/httptoken"
	"github.com/bronco-ws/bronco/ws/extension"
)

// HTTP2Header returns the fields of the extended CONNECT that opens cr's WebSocket on an
// HTTP/2 connection (RFC 8441 §4–5): the :protocol pseudo-header as net/http's client takes
// it, Sec-WebSocket-Version: 13, and the Origin, offers and extra fields as
// [AppendClientRequest] writes them. There is no Sec-WebSocket-Key: RFC 8441 does not use it.
// The :authority and :path come from the request's URL (cr.Host, cr.Target).
func (cr ClientRequest) HTTP2Header() http.Header {
	h := http.Header{keyPseudoProtocol: {"websocket"}} // a pseudo-header: not canonicalized
	h.Set(nameVersion, "13")
	if cr.Origin != "" && httptoken.IsFieldValue(cr.Origin) {
		h.Set(keyOrigin, cr.Origin)
	}
	var protos []string
	for _, p := range cr.Protocols {
		if httptoken.IsToken(p) && !slices.Contains(protos, p) {
			protos = append(protos, p)
		}
	}
	if len(protos) > 0 {
		h.Set(nameProtocol, strings.Join(protos, ", "))
	}
	if ext := extension.Append(nil, cr.Extensions); len(ext) > 0 {
		h.Set(nameExtensions, string(ext))
	}
	for _, name := range slices.Sorted(maps.Keys(cr.Header)) {
		if writableField(name, cr.Header[name]) {
			for _, v := range cr.Header[name] {
				h.Add(name, trimOWS(v))
			}
		}
	}
	return h
}

// CheckHTTP2Response checks the answer to an extended CONNECT made from cr (RFC 8441 §5):
// a 2xx status, and the subprotocol and extensions as [ReadResponse] checks them; there is no
// Upgrade, Connection or Sec-WebSocket-Accept to check over HTTP/2. Another status gives
// [ErrBadStatus] with a ClientResult carrying the response's header, as ReadResponse does.
func CheckHTTP2Response(status int, header http.Header, cr ClientRequest) (*ClientResult, error) {
	res := &ClientResult{Header: header}
	if status < 200 || status > 299 {
		return res, newError(status, "", "server answered "+strconv.Itoa(status)+" to the extended CONNECT", ErrBadStatus)
	}
	if err := res.checkChoices(cr, status); err != nil {
		return nil, err
	}
	return res, nil
}
