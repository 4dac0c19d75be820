"""The Python `websockets` echo server peer of bronco's interop suite (../README.md, "A peer's
server").

    .venv/bin/python server.py --compression plain|deflate

Listens on 127.0.0.1, port 0, and prints {"listening": "ws://127.0.0.1:PORT/"}; echoes every
message with its type; prints {"path", "extensions", "close": {"code", "reason"}} for every
connection that ends; exits when stdin closes. Errors go to stderr.
"""

import asyncio
import json
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

MAX_SIZE = 4 << 20


def print_line(obj):
    print(json.dumps(obj), flush=True)


async def echo(ws):
    error = ""
    try:
        # str for a text message, bytes for a binary one; send keeps the type.
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed as exc:
        # Also raised for a clean close with a code other than 1000 or 1001 (4000 here).
        error = str(exc)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        print(f"{ws.request.path}: {error}", file=sys.stderr, flush=True)
    await ws.wait_closed()
    rcvd = ws.protocol.close_rcvd  # None when no close frame came
    close = {"code": rcvd.code, "reason": rcvd.reason} if rcvd else {"code": 1006, "reason": error or "no close frame"}
    print_line({
        "path": ws.request.path,
        "extensions": ws.response.headers.get("Sec-WebSocket-Extensions", ""),
        "close": close,
    })


async def main():
    args = sys.argv[1:]
    if len(args) != 2 or args[0] != "--compression" or args[1] not in ("plain", "deflate"):
        sys.exit("usage: server.py --compression plain|deflate")
    # With no limits of its own the factory accepts the parameters the client offers. The
    # library's default factory would instead cap both windows at 12 bits. websockets still
    # declines server_max_window_bits=8 (zlib cannot compress with a 256-byte window): the
    # connection then goes on without compression.
    extensions = [ServerPerMessageDeflateFactory()] if args[1] == "deflate" else []
    async with serve(
        echo, "127.0.0.1", 0,
        compression=None, extensions=extensions,
        max_size=MAX_SIZE, ping_interval=None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print_line({"listening": f"ws://127.0.0.1:{port}/"})
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)


if __name__ == "__main__":
    asyncio.run(main())
