// The node `ws` echo server peer of bronco's interop suite (../README.md, "A peer's server").
//
//   node server.mjs --compression plain|deflate
//
// Listens on 127.0.0.1, port 0, and prints {"listening": "ws://127.0.0.1:PORT/"}; echoes every
// message with its type; prints {"path", "extensions", "close": {"code", "reason"}} for every
// connection that ends; exits when stdin closes. Errors go to stderr.

import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const compression = args[0] === '--compression' && args.length === 2 ? args[1] : null;
if (compression !== 'plain' && compression !== 'deflate') {
  process.stderr.write('usage: node server.mjs --compression plain|deflate\n');
  process.exit(2);
}

const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 4 << 20,
  // No server limits, so ws accepts whatever parameters the client offers
  // (server_max_window_bits 8..15, client_no_context_takeover, …); threshold 0 compresses
  // even the smallest messages.
  perMessageDeflate: compression === 'deflate' ? { threshold: 0 } : false,
});

// The extensions header ws answers with, kept on the request it answers.
wss.on('headers', (headers, req) => {
  const h = headers.find((line) => /^sec-websocket-extensions:/i.test(line));
  req.extensionsHeader = h ? h.slice(h.indexOf(':') + 1).trim() : '';
});

wss.on('connection', (ws, req) => {
  let error = '';
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (err) => {
    error ||= err.message;
    process.stderr.write(`${req.url}: ${err.message}\n`);
  });
  // ws reports 1006 when no close frame came; the error, if any, says why.
  ws.on('close', (code, reason) => {
    print({
      path: req.url,
      extensions: req.extensionsHeader ?? '',
      close: { code, reason: code === 1006 ? error || 'no close frame' : reason.toString('utf8') },
    });
  });
});

wss.on('listening', () => print({ listening: `ws://127.0.0.1:${wss.address().port}/` }));
wss.on('error', (err) => {
  process.stderr.write(`server: ${err.message}\n`);
  process.exit(1);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
