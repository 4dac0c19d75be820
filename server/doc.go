// Package server runs Cowboy's WebSocket handler state machine (cowboy_websocket) in Go, over
// the ws engine: an InitFunc for the upgrade request, then one goroutine per connection (or an
// event loop, Options.EventLoops) that calls the handler's callbacks one after another.
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
//	sub-protocol selection                          u.Protocols(), u.SelectProtocol(p)
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
//	close | {close, Code, Reason}                   Close(), CloseWith(code, reason)
//	self() ! Info                                   c.Self().Send(info)
//	erlang:start_timer(1000, self(), Msg)           c.Self().SendAfter(time.Second, msg)
//	{active, false} / {active, true}                c.SetActive(false) / c.SetActive(true)
//	{deflate, false}                                c.SetDeflate(false)
//	{set_options, #{idle_timeout => T}}             c.SetIdleTimeout(d)
//	{set_options, #{max_frame_size => N}}           c.SetMaxFrameSize(n, m)
//	websocket_compress                              Options.Compress
//	idle_timeout                                    Options.IdleTimeout, Upgrade.IdleTimeout
//	max_frame_size                                  Options.MaxFrameSize, MaxMessageSize
//	validate_utf8 => false                          Options.SkipUTF8Validation
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
//	{crash, Class, Reason}                          ReasonCrash{Value, Stack}
//	{error, badencoding}                            ReasonError{Err} with errors.Is(Err, ErrBadEncoding)
//	{error, badframe}                               ReasonError{Err} with errors.Is(Err, ErrBadFrame)
//	{error, closed}                                 ReasonError{Err} with errors.Is(Err, ErrClosed)
//	{error, Reason}                                 ReasonError{Err: the socket error}
//	(none: the server shut down)                    ReasonShutdown{}
//
// # The connection loop
//
// Each connection is one goroutine and nothing else. It reads whatever the socket has into a
// reusable buffer, runs every complete frame through the handler, collects every reply, and
// sends them with one write before it reads again. Infos wake it by moving the socket's read
// deadline to the past, and the idle timeout is the same read deadline, so no second
// goroutine or timer is parked per connection. A callback that panics closes its own
// connection with 1011 and terminate sees ReasonCrash; the server goes on.
//
// Large frames skip a copy each way: the rest of a frame of 8 KiB or more is read straight
// into the message buffer, and a reply of 32 KiB or more is sent from where it is, behind its
// header, with one writev.
//
// # Event loops
//
// With Options.EventLoops set (Linux; TCP and Unix sockets), connections are not goroutines:
// each event loop waits on an epoll set of sockets (itself parked in Go's netpoller) and gives
// a ready connection one turn, which is the same steps as above without blocking: read once
// into the loop's shared buffer, run every frame and info, write what the socket takes. An
// idle connection holds no goroutine, no stack and no buffer, only its Conn, engine and
// handler (about 1.5 KiB in all, cmd/memconn -loops 1), and a busy loop saves the goroutine
// switch and the empty read of every wake-up. A socket that will not take more output stops
// the connection's reading and its mailbox until it drains, or until Options.WriteTimeout.
// The one rule: callbacks run on the loop, so a callback that blocks stalls its loop's other
// connections. Handlers that call databases or sleep belong on the default driver, where
// blocking is as harmless as in a Cowboy process.
//
// The bytes of a Frame passed to WebsocketHandle live in the connection's read buffer: they
// are valid until the callback returns, and replying with them (the echo) is fine because
// replies are encoded before the buffer is reused.
//
// # Safety by default
//
// Browsers' cross-site requests are refused (Options.CheckOrigin defaults to SameOrigin),
// frames and messages are capped at 16 MiB (1009 beyond), text must be UTF-8 (1007), the
// upgrade request is bounded in size and time, every write has a deadline, and the info
// mailbox is bounded (Pid.Send returns ErrMailboxFull rather than block or grow).
package server
