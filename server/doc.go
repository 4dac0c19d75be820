// Package server runs Cowboy's WebSocket handler state machine (cowboy_websocket) in Go, over
// the ws engine: an InitFunc for the upgrade request, then one goroutine per connection (or an
// event loop, Options.EventLoops) that calls the handler's callbacks one after another.
//
// The call a user needs first is [New], with an [InitFunc] that accepts the upgrade; the
// [Server] it returns is an http.Handler, and serves a bare listener too:
//
//	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
//		return &echo{}, nil // echo implements Handler: WebsocketHandle, WebsocketInfo
//	}, server.Options{})
//	http.Handle("/ws", srv) // or: go srv.Serve(listener)
//	defer srv.Shutdown(ctx)
//
// Protocol errors reach Terminate as [ReasonError], whose error wraps one kind of package
// frame's vocabulary (frame.ErrBadFrame, ErrBadEncoding, ErrBadSize), as Cowboy's
// {error, badframe | badencoding | badsize}.
//
// # Cowboy to Go
//
//	Cowboy                                          bronco
//	------                                          ------
//	init(Req, State)                                InitFunc: func(*Upgrade) (Handler, error)
//	{cowboy_websocket, Req, State}                  return handler, nil
//	{cowboy_websocket, Req, State, Timeout}         u.IdleTimeout = d
//	{cowboy_websocket, Req, State, hibernate}       u.Hibernate = true
//	{ok, Req, State} after cowboy_req:reply         return h, Refuse(status, body)
//	cowboy_req:set_resp_header                      u.Header.Set
//	sub-protocol selection                          u.Protocols(), u.SelectProtocol(p), or
//	                                                u.Header.Set("Sec-WebSocket-Protocol", p)
//	websocket_init(State)                           WebsocketIniter.WebsocketInit(c)
//	websocket_handle(InFrame, State)                Handler.WebsocketHandle(c, f)
//	websocket_info(Info, State)                     Handler.WebsocketInfo(c, info)
//	terminate(Reason, undefined, State)             Terminator.Terminate(reason)
//	State                                           the Handler value itself
//	{ok, State}                                     OK()
//	{ok, State, hibernate}                          OK().Hibernate()
//	{reply, Frame | [Frame], State}                 Reply(f, more...)
//	{reply, Frames, State, hibernate}               Reply(f, more...).Hibernate()
//	{stop, State}                                   Stop()
//	{text | binary | ping | pong, Data}             Text(d), Binary(d), Ping(d), Pong(d)
//	close | {close, Code, Reason}                   CloseFrame(frame.CloseNoStatus, ""), CloseFrame(code, reason)
//	self() ! Info                                   c.Self().Send(info)
//	erlang:start_timer(1000, self(), Msg)           c.Self().SendAfter(time.Second, msg)
//	{active, false} / {active, true}                c.SetActive(false) / c.SetActive(true)
//	{deflate, false}                                c.SetDeflate(false)
//	{set_options, #{idle_timeout => T}}             c.SetIdleTimeout(d)
//	{set_options, #{max_frame_size => N}}           c.SetMaxFrameSize(n, m)
//	{shutdown_reason, Reason}                       c.SetShutdownReason(err): context.Cause(c.Context())
//	link / monitor the connection process           c.Context(), cancelled when it ends
//	dynamic_buffer                                  the goroutine driver's read buffer, 1 KiB to ReadBufferSize
//	websocket_compress                              Options.Compress
//	idle_timeout                                    Options.IdleTimeout, Upgrade.IdleTimeout
//	max_frame_size                                  Options.MaxFrameSize, MaxMessageSize
//	validate_utf8 => false                          Options.SkipUTF8Validation
//	req_filter, terminate's PartialReq              keep what Terminate needs in the Handler value:
//	                                                InitFunc sees the whole request, nothing else is kept
//	ranch:set_protocol_options                      Server.SetOptions
//	ranch:stop_listener                             Server.Shutdown (close 1001 to every client)
//
// Terminate reasons:
//
//	normal                                          ReasonNormal{}
//	remote                                          ReasonRemote{Code: frame.CloseNoStatus}
//	{remote, Code, Payload}                         ReasonRemote{Code, Payload}
//	stop                                            ReasonStop{}
//	timeout                                         ReasonTimeout{}
//	{crash, error | throw, Reason}                  ReasonCrash{Value: the panic value, Stack}
//	{crash, exit, Reason}                           ReasonCrash{Value: ErrGoexit, Stack}
//	{error, badencoding}                            ReasonError{Err} with errors.Is(Err, frame.ErrBadEncoding)
//	{error, badframe}                               ReasonError{Err} with errors.Is(Err, frame.ErrBadFrame)
//	{error, badsize}                                ReasonError{Err} with errors.Is(Err, frame.ErrBadSize)
//	{error, closed}                                 ReasonError{Err} with errors.Is(Err, ErrClosed)
//	{error, Reason}                                 ReasonError{Err: the socket error}
//	(none: the server shut down)                    ReasonShutdown{}
//
// # The connection process and its drivers
//
// A connection is a state machine with no IO (process.go): it is fed the bytes read, the
// infos of its mailbox and the time, and answers with the bytes to write, whether it wants
// to read, its next deadline, and whether it is done, with its Reason. Every rule lives there
// once: the idle timeout, active and passive, hibernation, the close handshake, reply lists,
// crashes. A driver is a thin shell around it that owns the socket, chosen once per
// connection, on either mount:
//
//   - a goroutine per connection (the default) over any net.Conn. It reads whatever the
//     socket has into a buffer that grows and shrinks with the traffic (1 KiB up to
//     Options.ReadBufferSize, as Cowboy's dynamic_buffer), runs every complete frame through
//     the handler, and sends all the replies with one write before it reads again. Infos
//     wake it by moving the read deadline to the past, and the idle timeout is the same read
//     deadline, so no second goroutine or timer is parked beside it. Callbacks may block, as
//     in a Cowboy process.
//   - an event loop (Options.EventLoops, Linux; TCP and Unix sockets, from Serve or from a
//     net/http hijack alike): each loop waits on an epoll set, parked in Go's netpoller, and
//     gives a ready connection one turn: read once into the loop's shared buffer, run every
//     frame and info, write what the socket takes. An idle connection holds no goroutine, no
//     stack and no buffer (under 1 KiB in all, cmd/memconn -loops 1), and one timer per loop
//     serves every connection's deadlines. A socket that will not take more output stops
//     the connection's reading and its mailbox until it drains, or until
//     Options.WriteTimeout. The one rule: callbacks run on the loop, so a callback that
//     blocks stalls its loop's other connections.
//
// Large frames skip a copy each way on both: the rest of a frame of 8 KiB or more is read
// straight into the message buffer, and a reply of 32 KiB or more is sent from where it is,
// behind its header, with one writev.
//
// # WebSocket over HTTP/2 (RFC 8441)
//
// Mounted on net/http, the same Server takes WebSockets over HTTP/2 beside HTTP/1.1
// upgrades: an extended CONNECT with :protocol websocket is checked as RFC 8441 §4–5 asks
// (Sec-WebSocket-Version 13, the subprotocol and extension offers, no Sec-WebSocket-Key),
// answered 200, and run by the same process and goroutine driver over the stream. Browsers
// (Chromium, Firefox) then open every WebSocket to the server as a stream of one TCP and
// TLS connection, with no handshake of their own. Everything works as over HTTP/1.1 (every
// setup of the tests runs over HTTP/2 too); the differences:
//
//   - The end of the stream is the end of the connection: after the close handshake the
//     handler returns and net/http ends the stream (END_STREAM); a client's RST_STREAM, or
//     its END_STREAM without a close frame, is {error, closed}. u.HTTPRequest.ProtoMajor is
//     2 and u.Request.Method "CONNECT"; RemoteAddr is the HTTP/2 connection's peer, shared
//     by its streams.
//   - SetActive(false) stops reading the stream, so HTTP/2 flow control holds the client
//     back once the stream's window is full, as TCP does over HTTP/1.1.
//   - Streams have no event loop: a stream is not a socket epoll can watch, so each runs
//     on the goroutine driver, whatever Options.EventLoops says, with three goroutines
//     (net/http's handler, which waits; the connection's; one reading the stream) and a
//     16 KiB read chunk beside net/http's own per-stream buffers. net/http's HTTP/2 costs
//     more CPU per message than HTTP/1.1 (BenchmarkH2Echo: about 2×, over TLS both); what
//     it saves is a connection, a TLS handshake and an upgrade per socket.
//   - Shutdown closes the streams with 1001; call it before http.Server.Shutdown, which
//     waits for active streams.
//
// To turn it on: net/http's HTTP/2 server advertises extended CONNECT
// (SETTINGS_ENABLE_CONNECT_PROTOCOL) only when the process starts with
// GODEBUG=http2xconnect=1 in its environment (Go 1.26 reads it once, at init; a //go:debug
// line or go.mod's godebug does not reach it). Serve TLS with the default http.Server (h2 by
// ALPN), or h2c with http.Server.Protocols set to UnencryptedHTTP2 for clients that use it;
// browsers speak HTTP/2 over TLS only:
//
//	GODEBUG=http2xconnect=1 ./yourserver   // http.ListenAndServeTLS(addr, cert, key, mux)
//
// bronco's client opens sockets the same way with client.Dialer.HTTP2.
//
// # Broadcasts
//
// A room, a feed or a lobby sends one message to many connections the Cowboy way: as an
// info to each (Pid.Send), which each handler's WebsocketInfo turns into a reply. Sent as a
// *Prepared (Prepare), the message is encoded once for all of them, and compressed once per
// permessage-deflate form (window and level) instead of once per connection, with context
// takeover or without: a connection with takeover copies the message into its encoder's
// window, as its client's decoder does. BenchmarkBroadcast measures it.
//
// A receiver that does not read costs the room nothing it did not choose: under
// BackpressureWait its connection takes no infos while its output waits, so its mailbox
// fills (with pointers to the shared Prepared, not copies) and then Pid.Send drops further
// broadcasts for it with ErrMailboxFull, counted in Stats.DroppedInfos; under
// BackpressureClose it is closed once more than MaxBackpressure waits; under
// BackpressureDrop it goes on taking infos, and the lines that find more than
// MaxBackpressure waiting are left out, counted in Stats.DroppedFrames, so that it gets the
// newest lines when it reads again and every info that is not a line still arrives. The
// sender never blocks in any case.
//
// # Crashes
//
// A callback that panics, or ends its goroutine with runtime.Goexit (Erlang's exit; t.FailNow
// in a test), is logged through Options.Logger at error level with its stack and ends only
// its own connection: close 1011 and Terminate(ReasonCrash) after the upgrade, a 500 from
// InitFunc (no handler exists yet, so no Terminate), nothing more from Terminate itself. A
// reply that cannot be sent (a close code such as 999 or 1006, a control frame over 125
// bytes) is a crash too, with a *ReplyError. No callback can stop an event loop, leak a
// goroutine or hold Shutdown past its context.
//
// # Flow control and the idle timeout
//
// SetActive(false) stops reading: frames already read wait until SetActive(true), infos
// still arrive. As in Cowboy, the idle timeout keeps counting while inactive, since nothing
// is received; a handler that pauses for long turns it off with SetIdleTimeout(0).
//
// The bytes of a Frame passed to WebsocketHandle live in the connection's read buffer: they
// are valid until the callback returns, and replying with them (the echo) is fine because
// replies are encoded before the buffer is reused.
//
// # Safety by default
//
// On net/http the upgrade request is net/http's to read, under the http.Server's
// ReadHeaderTimeout and MaxHeaderBytes, which a zero http.Server leaves unbounded in time:
// set them (ExampleServer_ServeHTTP does). On a bare listener Options.HandshakeTimeout and
// HeaderLimits bound it. Browsers' cross-site requests are refused (Options.CheckOrigin
// defaults to SameOrigin),
// frames and messages are capped at 1 MiB (1009 beyond; Cowboy's default since 2.17), text must be UTF-8 (1007), the
// upgrade request is bounded in size and time, every write has a deadline, and the info
// mailbox is bounded (Pid.Send returns ErrMailboxFull rather than block or grow).
//
// Memory follows the traffic: a message buffer that grew beyond 64 KiB is dropped once its
// message is handled, so an idle connection holds a few KiB whatever it received. A client
// that stops reading stops its connection (BackpressureWait: no frames read, no infos
// delivered, so it holds one callback's output until WriteTimeout), gets it closed
// (Options.OnBackpressure = BackpressureClose, beyond Options.MaxBackpressure) or misses
// what it is sent beyond that bound (BackpressureDrop). All
// connections together hold at most Options.MemoryBudget (256 MiB) in message buffers:
// beyond it, connections growing a message wait, one at a time going on. On an event loop
// a connection handles at most 256 KiB of messages per turn, and one that keeps using its
// whole budget (deflate bombs) is paced to at most half of its loop's time.
// Options.MaxConnections bounds the connections (503 beyond), and Server.Stats counts what
// was refused and cut off. A bare listener's Serve outlives running out of descriptors.
package server
