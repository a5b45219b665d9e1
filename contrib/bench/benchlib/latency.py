"""A TCP proxy on loopback that delays every byte by a fixed time each way,
so a benchmark can run against a local server as if it were a round trip
away (a mail provider across the internet) without a network.

    python3 contrib/bench/benchlib/latency.py --to PORT --delay-ms 10

prints the port it listens on, then serves until killed. Each direction
has its own queue: a chunk read at t is written at t + delay, after the
chunks read before it; reading goes on meanwhile, so pipelined commands
stay pipelined and throughput is not capped (latency only, like a fast
long link). Bounded by the tool's own flow control: a chunk is at most
64 KiB and a direction holds at most 64 MiB in flight before it stops
reading.
"""

import argparse
import asyncio
import subprocess
import sys
import time

CHUNK = 64 * 1024
MAX_IN_FLIGHT = 64 * 1024 * 1024


async def pump(reader, writer, delay):
    queue = asyncio.Queue()
    room = asyncio.Semaphore(MAX_IN_FLIGHT // CHUNK)

    async def read_side():
        while True:
            await room.acquire()
            data = await reader.read(CHUNK)
            queue.put_nowait((time.monotonic() + delay, data))
            if not data:
                return

    async def write_side():
        while True:
            due, data = await queue.get()
            room.release()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(read_side(), write_side())
    except (ConnectionError, OSError):
        writer.close()


async def serve(to_port, delay):
    async def accept(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", to_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, delay),
                             pump(server_reader, client_writer, delay),
                             return_exceptions=True)
        for w in (client_writer, server_writer):
            w.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


class Delayed:
    """The proxy in a process of its own, in front of `to_port` (a context
    manager): `port` is where the tools connect."""

    def __init__(self, to_port, delay_ms):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--to", str(to_port), "--delay-ms", str(delay_ms)],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--to", type=int, required=True, help="the server's port on 127.0.0.1")
    p.add_argument("--delay-ms", type=float, required=True, help="added each way")
    args = p.parse_args(argv)
    asyncio.run(serve(args.to, args.delay_ms / 1000))


if __name__ == "__main__":
    main(sys.argv[1:])
