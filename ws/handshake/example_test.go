package handshake_test

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/bronco-ws/bronco/ws/handshake"
)

func ExampleReadRequest() {
	// The client's handshake and its first frame arrive in one read.
	conn := strings.NewReader("GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n" +
		"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58")
	br := bufio.NewReader(conn)

	req, err := handshake.ReadRequest(br, handshake.Limits{})
	if err != nil {
		var he *handshake.Error
		if errors.As(err, &he) {
			fmt.Printf("%s", handshake.AppendErrorResponse(nil, he.Status, he.Error(), nil))
		}
		return
	}
	fmt.Println(req.Target, req.Host, req.Protocols)
	fmt.Println("frame bytes still buffered:", br.Buffered())

	resp := handshake.Response{Protocol: "chat"}
	if err := resp.Validate(req); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", handshake.AppendResponse(nil, req, resp))
	// Output:
	// /chat server.example.com [chat superchat]
	// frame bytes still buffered: 11
	// "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
}

func ExampleReadRequest_rejected() {
	conn := strings.NewReader("GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Version: 8\r\n" +
		"\r\n")
	_, err := handshake.ReadRequest(bufio.NewReader(conn), handshake.Limits{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, handshake.ErrBadVersion))

	var he *handshake.Error
	if errors.As(err, &he) {
		out := handshake.AppendErrorResponse(nil, he.Status, he.Reason, nil)
		fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n"))
	}
	// Output:
	// handshake: 426 Sec-WebSocket-Version: unsupported version
	// true
	// HTTP/1.1 426 Upgrade Required
	// Connection: close
	// Content-Type: text/plain; charset=utf-8
	// X-Content-Type-Options: nosniff
	// Sec-WebSocket-Version: 13
	// Content-Length: 20
	//
	// unsupported version
}

func ExampleAcceptKey() {
	// The worked example of RFC 6455 §4.2.2.
	fmt.Println(handshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output:
	// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleReadResponse() {
	cr := handshake.ClientRequest{
		Host:      "server.example.com",
		Target:    "/chat",
		Key:       "dGhlIHNhbXBsZSBub25jZQ==", // use handshake.NewKey() for a real connection
		Protocols: []string{"chat"},
	}
	if err := cr.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", handshake.AppendClientRequest(nil, cr))

	conn := strings.NewReader("HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
		"Sec-WebSocket-Protocol: chat\r\n" +
		"\r\n")
	res, err := handshake.ReadResponse(bufio.NewReader(conn), handshake.Limits{}, cr)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("subprotocol:", res.Protocol)
	// Output:
	// "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	// subprotocol: chat
}
