"""A pausable TCP proxy: the honest way to take a dependency (MariaDB, Temporal) away from the
code under test without stopping the machine's shared server.

    proxy = TcpProxy(target_port=3306)
    await proxy.start()              # listens on 127.0.0.1:proxy.port, forwards to the target
    await proxy.refuse()             # "down": new connects are refused (nobody listens), open
                                     # connections are reset; clients see real driver errors
    await proxy.restore()            # "up" again, on the same port
    await proxy.stop()

It is an asyncio task in the test's own event loop, so it needs no thread and no process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 3306) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    @property
    def refusing(self) -> bool:
        return self._server is None

    async def start(self) -> None:
        if self.port == 0:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = int(sock.getsockname()[1])
        await self._listen()

    async def _listen(self) -> None:
        if self._server is not None:
            return
        for _ in range(50):
            try:
                self._server = await asyncio.start_server(
                    self._accept, "127.0.0.1", self.port, reuse_address=True
                )
                return
            except OSError:  # the port is still in TIME_WAIT's grip: try again shortly
                await asyncio.sleep(0.05)
        raise RuntimeError(f"proxy could not listen on 127.0.0.1:{self.port} again")

    async def refuse(self) -> None:
        """Close new and existing connections: connects are refused, open sockets are reset."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def restore(self) -> None:
        await self._listen()

    async def stop(self) -> None:
        await self.refuse()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self._server is None:
            client_w.transport.abort()
            return
        try:
            upstream_r, upstream_w = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            client_w.transport.abort()
            return
        self.accepted += 1
        self._writers.update((client_w, upstream_w))
        pumps = [
            asyncio.create_task(self._pump(client_r, upstream_w)),
            asyncio.create_task(self._pump(upstream_r, client_w)),
        ]
        self._pumps.update(pumps)
        try:
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._pumps.difference_update(pumps)
            for writer in (client_w, upstream_w):
                self._writers.discard(writer)
                writer.transport.abort()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
