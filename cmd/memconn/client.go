package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// openConns upgrades n raw TCP connections and echoes one 64-byte message on each, so every
// server connection has been through its read and write path before it idles.
func openConns(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	msg := frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText, Masked: true, Mask: [4]byte{1, 2, 3, 4}}, []byte(strings.Repeat("m", 64)))
	reply := make([]byte, 2+64)
	for i := range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return conns, fmt.Errorf("connection %d: %w", i, err)
		}
		key, _ := handshake.NewKey()
		req := handshake.AppendClientRequest(nil, handshake.ClientRequest{Host: addr, Target: "/", Key: key})
		if _, err := nc.Write(req); err != nil {
			return conns, err
		}
		br := bufio.NewReaderSize(nc, 512)
		if _, err := handshake.ReadResponse(br, handshake.Limits{}, handshake.ClientRequest{Host: addr, Target: "/", Key: key}); err != nil {
			return conns, fmt.Errorf("connection %d: %w", i, err)
		}
		if _, err := nc.Write(msg); err != nil {
			return conns, err
		}
		if _, err := io.ReadFull(br, reply); err != nil {
			return conns, fmt.Errorf("connection %d echo: %w", i, err)
		}
		conns = append(conns, nc)
	}
	return conns, nil
}
