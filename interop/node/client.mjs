// The node `ws` client peer of bronco's interop suite; the contract it follows is in
// ../README.md ("The contract every peer follows"), the cases in ../cases.json.
//
//   node client.mjs <plan.json | - for stdin>
//
// The plan is a JSON array of runs, [{"url": "ws://…", "variant": "deflate"}, …]. The runs go
// one after another; each prints one JSON line on stdout. Exit code 0 when no run had a
// failure, 1 otherwise.

import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const cases = JSON.parse(readFileSync(new URL('../cases.json', import.meta.url), 'utf8'));
const TIMEOUT_MS = 30_000;

// binary(n): byte i is i % 251.
function binary(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

// text(n): cycle a, é, €, 𝄞 (1 to 4 bytes of UTF-8) while the next one fits in n bytes,
// else append 'a'; so exactly n bytes of valid UTF-8.
const CHARS = ['a', 'é', '€', '𝄞'].map((c) => Buffer.from(c, 'utf8'));
function text(n) {
  const b = Buffer.alloc(n);
  let len = 0;
  let k = 0;
  while (len < n) {
    let c = CHARS[k % CHARS.length];
    if (len + c.length <= n) k++;
    else c = CHARS[0];
    c.copy(b, len);
    len += c.length;
  }
  return b;
}

// repeating(n, p): byte i is byte i % p of the xorshift32 stream seeded 2463534242.
function repeating(n, p) {
  const stretch = Buffer.alloc(p);
  let x = 2463534242;
  for (let i = 0; i < p; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    x >>>= 0; // back to 32-bit unsigned
    stretch[i] = x & 0xff;
  }
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = stretch[i % p];
  return b;
}

const payloads = new Map(); // "type/size/period" -> Buffer, built once per process
function payload(type, size, period) {
  const key = `${type}/${size}/${period ?? 0}`;
  if (!payloads.has(key)) {
    payloads.set(key, type === 'text' ? text(size) : period ? repeating(size, period) : binary(size));
  }
  return payloads.get(key);
}

// What the client offers, per variant. threshold 0: compress even the smallest messages.
function deflateOption(variant) {
  if (variant === 'plain') return false;
  if (variant === 'deflate') return { threshold: 0 };
  if (variant === 'cnct') return { threshold: 0, clientNoContextTakeover: true };
  const m = /^smwb-(\d+)$/.exec(variant);
  if (m && +m[1] >= 8 && +m[1] <= 15) return { threshold: 0, serverMaxWindowBits: +m[1] };
  throw new Error(`unknown variant ${JSON.stringify(variant)}`);
}

// "got … want …" naming the lengths, the first differing offset and 16 bytes from there.
function diff(got, want) {
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  if (i === got.length && i === want.length) return '';
  const hex = (b) => b.subarray(i, i + 16).toString('hex') || '(end)';
  return `got ${got.length} bytes, want ${want.length}; first difference at offset ${i}: got ${hex(got)}, want ${hex(want)}`;
}

// One connection's events in arrival order, read one at a time with next(). The close
// event, once it came, is returned to every later read.
class Events {
  constructor(ws) {
    this.queue = [];
    this.waiter = null;
    this.closed = null;
    this.error = '';
    const push = (ev) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(ev);
      } else this.queue.push(ev);
    };
    ws.on('message', (data, isBinary) => push({ kind: 'message', type: isBinary ? 'binary' : 'text', data }));
    ws.on('pong', (data) => push({ kind: 'pong', data }));
    ws.on('error', (err) => { this.error ||= err.message; });
    ws.on('close', (code, reason) => {
      this.closed = { kind: 'close', code, reason: reason.toString('utf8') };
      push(this.closed);
    });
  }

  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  // closedError describes an unexpected close: the code seen and the error, if any.
  closedError() {
    const c = this.closed;
    let s = `connection closed with code ${c.code}`;
    if (c.reason) s += ` reason ${JSON.stringify(c.reason)}`;
    if (this.error) s += ` (${this.error})`;
    return new Error(s);
  }
}

async function run({ url, variant }) {
  const result = { url, variant, extensions: '', failures: [], notes: [], close: null };
  let step = 'handshake';
  let ws;
  let events;
  let timer;
  const steps = async () => {
    ws = new WebSocket(url, { perMessageDeflate: deflateOption(variant), maxPayload: 4 << 20 });
    events = new Events(ws);
    ws.on('upgrade', (res) => { result.extensions = res.headers['sec-websocket-extensions'] ?? ''; });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('close', () => reject(events.closedError()));
    });

    for (const c of cases.echo) {
      step = `case ${c.name}`;
      const want = payload(c.type, c.size, c.period);
      const binary = c.type === 'binary';
      // Fragments go out as Buffers for text too, so a fragment may end inside a character.
      let from = 0;
      for (const to of c.split ?? []) {
        ws.send(want.subarray(from, to), { binary, fin: false });
        from = to;
      }
      ws.send(want.subarray(from), { binary, fin: true });
      let ev;
      do ev = await events.next(); while (ev.kind === 'pong'); // an unsolicited pong is allowed
      if (ev.kind === 'close') throw events.closedError();
      if (ev.type !== c.type) result.failures.push(`${step}: got a ${ev.type} message of ${ev.data.length} bytes, want ${c.type} of ${want.length}`);
      else {
        const d = diff(ev.data, want);
        if (d) result.failures.push(`${step}: ${d}`);
      }
    }

    step = 'ping';
    const ping = Buffer.from(cases.ping, 'utf8');
    ws.ping(ping);
    const ev = await events.next();
    if (ev.kind === 'close') throw events.closedError();
    if (ev.kind !== 'pong') result.failures.push(`${step}: got a ${ev.type} message of ${ev.data.length} bytes, want the pong`);
    else {
      const d = diff(ev.data, ping);
      if (d) result.failures.push(`${step}: pong payload: ${d}`);
    }

    step = 'close';
    ws.close(cases.close.code, cases.close.reason);
    let closed;
    do closed = await events.next(); while (closed.kind !== 'close'); // messages after our close are ignored
    // ws reports 1006 when no close frame came before the TCP connection ended.
    if (closed.code === 1006) throw new Error(`no close frame from the server${events.error ? ` (${events.error})` : ''}`);
  };

  try {
    await Promise.race([
      steps(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timeout after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    result.failures.push(`${step}: ${err.message}`);
  } finally {
    clearTimeout(timer);
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
  }
  // The close code and reason the server sent; null when no close frame came (ws says 1006
  // then) or the run ended before the connection did.
  const c = events?.closed;
  if (c && c.code !== 1006) result.close = { code: c.code, reason: c.reason };
  return result;
}

async function main() {
  const arg = process.argv[2];
  if (!arg || process.argv.length > 3) {
    process.stderr.write('usage: node client.mjs <plan.json | - for stdin>\n');
    process.exit(2);
  }
  const plan = JSON.parse(readFileSync(arg === '-' ? 0 : arg, 'utf8'));
  let ok = true;
  for (const r of plan) {
    const result = await run(r);
    if (result.failures.length) ok = false;
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
