"""`TcpProxy` on an event loop of its own, in a daemon thread.

The e2e stack's api and worker are subprocesses that reach MariaDB through the proxy, so the
proxy must keep forwarding while the test blocks (a synchronous `stack.start_api()`, a
`time.sleep`, a blocking HTTP call). A proxy in the test's own event loop would stall then;
this one does not. Same semantics as `TcpProxy`: `refuse()` closes the listener and resets the
open connections (clients see real "connection refused" / "lost connection" driver errors),
`restore()` listens again on the same port.

    proxy = ThreadedTcpProxy(target_port=3306)
    proxy.start()
    proxy.refuse()
    proxy.restore()
    proxy.stop()
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from tests.support.tcp_proxy import TcpProxy

T = TypeVar("T")


class ThreadedTcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 3306) -> None:
        self._proxy = TcpProxy(target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"tcp-proxy-{target_port}", daemon=True
        )
        self._stopped = False

    @property
    def port(self) -> int:
        return self._proxy.port

    @property
    def accepted(self) -> int:
        return self._proxy.accepted

    @property
    def refusing(self) -> bool:
        return self._proxy.refusing

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> None:
        self._thread.start()
        self._call(self._proxy.start())

    def refuse(self) -> None:
        self._call(self._proxy.refuse())

    def restore(self) -> None:
        self._call(self._proxy.restore())

    def stop(self) -> None:
        """Stop forwarding and end the thread (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            try:
                self._call(self._proxy.stop(), timeout=10)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(10)
        if not self._loop.is_running():
            self._loop.close()
