"""Serve an ASGI app with uvicorn in a background thread on 127.0.0.1 (loopback only)."""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

import uvicorn

from simulator.api import BASE_PATH, BillingApi, SimulatedDrop

LOOPBACK = "127.0.0.1"


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


class RunningServer:
    """A uvicorn server on a thread; a context manager that stops it on exit."""

    def __init__(self, app: BillingApi, port: int = 0, *, log_level: str = "warning") -> None:
        config = uvicorn.Config(
            app,
            host=LOOPBACK,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            server_header=False,
            date_header=False,  # the app sends Date from the simulated clock
            timeout_graceful_shutdown=1,
        )
        # A simulated connection drop ends the app with an exception that uvicorn would log
        # with a traceback: it is the fault working, not a bug, so keep it out of the log.
        error_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _DropFilter) for f in error_log.filters):
            error_log.addFilter(_DropFilter())
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="atlas-sim", daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        """The API base URL, e.g. http://127.0.0.1:PORT/public/v1."""
        return f"http://{LOOPBACK}:{self.port}{BASE_PATH}"

    def start(self, timeout_s: float = 15.0) -> RunningServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator's HTTP server did not start")
            time.sleep(0.01)
        sockets = [s for server in self._server.servers for s in server.sockets]
        self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C in the foreground CLI)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
