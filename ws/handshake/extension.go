package handshake

import "github.com/bronco-ws/bronco/ws/extension"

// parseExtensions parses Sec-WebSocket-Extensions lines; a syntax error becomes an [*Error]
// with status, unwrapping to ErrBadExtensions.
func parseExtensions(values []string, status int) ([]extension.Extension, error) {
	exts, err := extension.Parse(values)
	if err != nil {
		// Parse returns nothing but a *SyntaxError.
		return nil, newError(status, nameExtensions, err.(*extension.SyntaxError).Reason, ErrBadExtensions)
	}
	return exts, nil
}
