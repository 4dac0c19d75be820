package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// openConns upgrades n raw TCP connections and echoes one 64-byte message on each, so every
// server connection has been through its read and write path before it idles.
func openConns(addr string, n int, compress bool) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	msg := frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText, Masked: true, Mask: [4]byte{1, 2, 3, 4}}, []byte(strings.Repeat("m", 64)))
	reply := make([]byte, frame.MaxHeaderLen+64)
	for i := range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return conns, fmt.Errorf("connection %d: %w", i, err)
		}
		key, _ := handshake.NewKey()
		cr := handshake.ClientRequest{Host: addr, Target: "/", Key: key}
		if compress {
			cr.Extensions = []extension.Extension{deflate.Offer(deflate.Config{})}
		}
		req := handshake.AppendClientRequest(nil, cr)
		if _, err := nc.Write(req); err != nil {
			return conns, err
		}
		br := bufio.NewReaderSize(nc, 512)
		if _, err := handshake.ReadResponse(br, handshake.Limits{}, cr); err != nil {
			return conns, fmt.Errorf("connection %d: %w", i, err)
		}
		if _, err := nc.Write(msg); err != nil {
			return conns, err
		}
		if err := readFrame(br, reply); err != nil {
			return conns, fmt.Errorf("connection %d echo: %w", i, err)
		}
		conns = append(conns, nc)
	}
	return conns, nil
}

// readFrame reads one unmasked server frame of at most len(buf) bytes: the echo, compressed
// or not.
func readFrame(br *bufio.Reader, buf []byte) error {
	if _, err := io.ReadFull(br, buf[:2]); err != nil {
		return err
	}
	h, n, err := frame.ParseHeader(buf[:2])
	if err != nil || n == 0 || h.Length > int64(len(buf)-2) {
		return fmt.Errorf("unexpected frame header % x", buf[:2])
	}
	_, err = io.ReadFull(br, buf[2:2+h.Length])
	return err
}
