package handshake

import (
	"strings"

	"github.com/bronco-ws/bronco/internal/httptoken"
)

// maxLinearDedup is the list length up to which duplicate subprotocols are found by
// comparing pairs; longer lists use a map so a hostile header cannot cost quadratic time.
const maxLinearDedup = 16

// ParseProtocols parses the values of every Sec-WebSocket-Protocol header line, in order, as
// one list of subprotocol offers: 1#token whose elements MUST all be unique (RFC 6455 §4.1
// step 10). Whitespace around commas and empty elements are tolerated as RFC 9110 §5.6.1
// allows. No values gives nil, nil. Anything else is an [*Error] with status 400 naming the
// header and unwrapping to [ErrBadProtocols].
func ParseProtocols(values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	n := 0
	for _, v := range values {
		n += strings.Count(v, ",") + 1 // an upper bound, so the slice is allocated once
	}
	protos := make([]string, 0, n)
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = nextElement(v)
			if elem == "" {
				continue
			}
			if !httptoken.IsToken(elem) {
				return nil, newError(400, nameProtocol, "subprotocol is not a token", ErrBadProtocols)
			}
			protos = append(protos, elem)
		}
	}
	if len(protos) == 0 {
		return nil, newError(400, nameProtocol, "empty list", ErrBadProtocols)
	}
	if hasDuplicate(protos) {
		return nil, newError(400, nameProtocol, "repeated subprotocol", ErrBadProtocols)
	}
	return protos, nil
}

func hasDuplicate(list []string) bool {
	if len(list) <= maxLinearDedup {
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				if list[i] == list[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(list))
	for _, s := range list {
		if _, ok := seen[s]; ok {
			return true
		}
		seen[s] = struct{}{}
	}
	return false
}
