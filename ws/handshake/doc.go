// Package handshake is the WebSocket opening handshake of RFC 6455 §4 for both roles, as plain
// functions over headers and bytes: it reads and checks a request or a response and writes
// the other side's answer, and every failure carries the HTTP status to answer with.
//
// A server reads the request from its connection and answers 101:
//
//	req, err := handshake.ReadRequest(br, handshake.Limits{})
//	if err != nil {
//		var he *handshake.Error // he.Status: 400, 405, 426, 431, ...
//		errors.As(err, &he)
//		conn.Write(handshake.AppendErrorResponse(nil, he.Status, he.Reason, nil))
//		return
//	}
//	conn.Write(handshake.AppendResponse(nil, req, handshake.Response{}))
//
// A client writes [AppendClientRequest] and checks the answer with [ReadResponse].
package handshake
