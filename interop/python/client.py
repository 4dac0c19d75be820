"""The Python `websockets` client peer of bronco's interop suite.

The contract it follows is in ../README.md ("The contract every peer follows"), the cases in
../cases.json.

    .venv/bin/python client.py <plan.json | - for stdin>

The plan is a JSON array of runs, [{"url": "ws://…", "variant": "deflate"}, …]. The runs go
one after another; each prints one JSON line on stdout. Exit code 0 when no run had a
failure, 1 otherwise.
"""

import asyncio
import json
import pathlib
import re
import sys
from functools import cache

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

CASES = json.loads((pathlib.Path(__file__).parent.parent / "cases.json").read_text("utf-8"))
TIMEOUT = 30  # seconds per run
MAX_SIZE = 4 << 20


def binary(n):
    """Byte i is i % 251."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


CHARS = [c.encode() for c in ("a", "é", "€", "𝄞")]


def text(n):
    """Cycle a, é, €, 𝄞 (1 to 4 bytes of UTF-8) while the next one fits in n bytes, else
    append 'a'; so exactly n bytes of valid UTF-8."""
    out = bytearray()
    k = 0
    while len(out) < n:
        c = CHARS[k % len(CHARS)]
        if len(out) + len(c) <= n:
            k += 1
        else:
            c = CHARS[0]
        out += c
    return bytes(out)


@cache
def repeating(n, p):
    """Byte i is byte i % p of the xorshift32 stream seeded 2463534242."""
    stretch = bytearray(p)
    x = 2463534242
    for i in range(p):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        stretch[i] = x & 0xFF
    return (bytes(stretch) * (n // p + 1))[:n]


def payload(type_, size, period=None):
    if type_ == "text":
        return text(size)
    return repeating(size, period) if period else binary(size)


def connect_options(variant):
    """What the client offers, per variant."""
    if variant == "plain":
        return {"compression": None}
    if variant == "deflate":
        return {}  # compression="deflate", the library's default offer
    if variant == "cnct":
        return {"extensions": [ClientPerMessageDeflateFactory(client_no_context_takeover=True)]}
    m = re.fullmatch(r"smwb-(\d+)", variant)
    if m and 8 <= int(m[1]) <= 15:
        return {"extensions": [ClientPerMessageDeflateFactory(server_max_window_bits=int(m[1]))]}
    raise ValueError(f"unknown variant {variant!r}")


def diff(got, want):
    """'got … want …' naming the lengths, the first differing offset and 16 bytes from there."""
    i = 0
    while i < len(got) and i < len(want) and got[i] == want[i]:
        i += 1
    if i == len(got) == len(want):
        return ""
    hex16 = lambda b: b[i : i + 16].hex() or "(end)"
    return (
        f"got {len(got)} bytes, want {len(want)}; first difference at offset {i}: "
        f"got {hex16(got)}, want {hex16(want)}"
    )


async def steps(ws, result, at):
    """The contract's steps 2 to 4 on an open connection; at[0] names the current step."""
    for case in CASES["echo"]:
        at[0] = f"case {case['name']}"
        want = payload(case["type"], case["size"], case.get("period"))
        is_text = case["type"] == "text"
        if "split" in case:
            # An iterable goes out as one fragmented message, a frame per item; bytes with
            # text=True make it a text message cut anywhere, even inside a character.
            bounds = [0, *case["split"], len(want)]
            await ws.send([want[a:b] for a, b in zip(bounds, bounds[1:])], text=is_text)
            note = "websockets ends a fragmented message with an empty final continuation frame"
            if note not in result["notes"]:
                result["notes"].append(note)
        else:
            await ws.send(want, text=is_text)
        msg = await ws.recv()
        got_type = "text" if isinstance(msg, str) else "binary"
        got = msg.encode() if isinstance(msg, str) else msg
        if got_type != case["type"]:
            result["failures"].append(
                f"{at[0]}: got a {got_type} message of {len(got)} bytes, want {case['type']} of {len(want)}"
            )
        elif d := diff(got, want):
            result["failures"].append(f"{at[0]}: {d}")

    # websockets resolves the waiter only for a pong carrying the ping's bytes; one with
    # other bytes is ignored, so it shows as a timeout of this step.
    at[0] = "ping"
    await (await ws.ping(CASES["ping"].encode()))

    at[0] = "close"
    await ws.close(CASES["close"]["code"], CASES["close"]["reason"])
    if ws.protocol.close_rcvd is None:
        result["failures"].append("close: no close frame from the server")


async def run(url, variant):
    result = {"url": url, "variant": variant, "extensions": "", "failures": [], "notes": [], "close": None}
    at = ["handshake"]
    ws = None
    try:
        async with asyncio.timeout(TIMEOUT):
            ws = await connect(url, max_size=MAX_SIZE, ping_interval=None, open_timeout=None, **connect_options(variant))
            result["extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions", "")
            await steps(ws, result, at)
    except TimeoutError:
        result["failures"].append(f"{at[0]}: timeout after {TIMEOUT} s")
    except ConnectionClosed as exc:  # its text names the close codes received and sent
        result["failures"].append(f"{at[0]}: connection closed: {exc}")
    except Exception as exc:
        result["failures"].append(f"{at[0]}: {type(exc).__name__}: {exc}")
    if ws is not None:
        rcvd = ws.protocol.close_rcvd  # the close frame the server sent, if one came
        if rcvd is not None:
            result["close"] = {"code": rcvd.code, "reason": rcvd.reason}
        ws.transport.abort()  # a no-op after a clean close; ends a connection left half-way
    return result


async def main():
    if len(sys.argv) != 2:
        sys.exit("usage: client.py <plan.json | - for stdin>")
    plan = json.loads(sys.stdin.read() if sys.argv[1] == "-" else pathlib.Path(sys.argv[1]).read_text("utf-8"))
    ok = True
    for r in plan:
        result = await run(r["url"], r["variant"])
        ok = ok and not result["failures"]
        print(json.dumps(result), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
