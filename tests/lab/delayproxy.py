#!/usr/bin/python3
"""Userspace latency injector: UDP+TCP forwarder that delays each direction.

Stand-in for netem, which the lab kernels lack (tc qdisc ... netem fails
with "Specified qdisc kind is unknown"). lab.sh runs it on LAB_SLOW_NS
(192.0.2.153:53) in front of NSD with LAB_DELAY_MS (default 20) each way:
  delayproxy.py --listen 192.0.2.153 --port 53 --target 192.0.2.53 \
                --target-port 53 --delay-ms 20
A dig against 192.0.2.153 then takes ~2 x delay. Stdlib only. lab.sh runs it
inside the personas process (personas.py --delay-proxy) to save an
interpreter start; start() is the entry point for that.
"""
import argparse
import asyncio
import os
import sys


class UDPRelay(asyncio.DatagramProtocol):
    def __init__(self, target, delay):
        self.target, self.delay = target, delay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        asyncio.get_running_loop().create_task(self.relay(data, client))

    async def relay(self, data, client):
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self.delay)
        fut = loop.create_future()

        class Upstream(asyncio.DatagramProtocol):
            def datagram_received(self, d, addr):
                if not fut.done():
                    fut.set_result(d)

        tr, _ = await loop.create_datagram_endpoint(
            Upstream, remote_addr=self.target)
        try:
            tr.sendto(data)
            reply = await asyncio.wait_for(fut, 5)
        except asyncio.TimeoutError:
            return
        finally:
            tr.close()
        await asyncio.sleep(self.delay)
        self.transport.sendto(reply, client)


async def pipe(reader, writer, delay):
    try:
        while data := await reader.read(65536):
            await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def start(listen, port, target_host, target_port, delay_ms):
    """Start the UDP and TCP relays; returns an awaitable that serves forever."""
    delay = delay_ms / 1000.0
    target = (target_host, target_port)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: UDPRelay(target, delay),
                                        local_addr=(listen, port))

    async def on_tcp(r, w):
        try:
            ur, uw = await asyncio.open_connection(*target)
        except OSError:
            w.close()
            return
        await asyncio.gather(pipe(r, uw, delay), pipe(ur, w, delay))

    srv = await asyncio.start_server(on_tcp, listen, port)
    return srv.serve_forever()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--ready-file")
    a = ap.parse_args()
    forever = await start(a.listen, a.port, a.target, a.target_port, a.delay_ms)
    if a.ready_file:
        with open(a.ready_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.ready_file + ".tmp", a.ready_file)
    await forever


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
