"""A minimal LSP client over the real server's stdio: JSON-RPC framing, a reader thread that
time-stamps every message the moment it is read, and answers (null) to server requests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson


class LspError(RuntimeError):
    pass


class LspServer:
    def __init__(self, home: Path, log_path: Path, env_home: Path) -> None:
        env = {**os.environ, "HOME": str(env_home), "ROO_USAGE_SOURCES": ""}
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "roo_usage", "serve", "--no-default-sources"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._responses: dict[int, tuple[float, dict[str, Any]]] = {}
        self.notifications: list[tuple[float, str, Any]] = []
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ wire

    def _send(self, message: dict[str, Any]) -> None:
        body = orjson.dumps({"jsonrpc": "2.0", **message})
        data = b"Content-Length: %d\r\n\r\n" % len(body) + body
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def _read_loop(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = stream.read(length)
                message = orjson.loads(body)
                at = time.perf_counter()  # read and parsed, as a client needs it
                if "method" in message and "id" in message:  # a request from the server
                    self._send({"id": message["id"], "result": None})
                elif "method" in message:
                    with self._cond:
                        self.notifications.append((at, message["method"], message.get("params")))
                        self._cond.notify_all()
                else:
                    with self._cond:
                        self._responses[message["id"]] = (at, message)
                        self._cond.notify_all()
        except (EOFError, ValueError, OSError):
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    # ------------------------------------------------------------------ API

    def request(self, method: str, params: Any = None, timeout: float = 60.0) -> tuple[Any, float]:
        """The result and the round-trip time in seconds (send to response read)."""
        self._next_id += 1
        rid = self._next_id
        sent = time.perf_counter()
        self._send({"id": rid, "method": method, "params": params})
        deadline = sent + timeout
        with self._cond:
            while rid not in self._responses:
                if self._closed:
                    raise LspError(f"server exited while waiting for {method}: {self.log_tail()}")
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise LspError(f"{method}: no answer in {timeout} s")
                self._cond.wait(left)
            at, message = self._responses.pop(rid)
        if "error" in message:
            raise LspError(f"{method}: {message['error']}")
        return message.get("result"), at - sent

    def log_tail(self, size: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return ""

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"method": method, "params": params})

    def wait_notification(
        self, method: str, after: float, timeout: float, predicate: Any = None
    ) -> tuple[float, Any] | None:
        """The first ``method`` notification read after ``after`` (perf_counter) that matches."""
        deadline = time.perf_counter() + timeout
        with self._cond:
            while True:
                for at, name, params in self.notifications:
                    if name == method and at >= after and (predicate is None or predicate(params)):
                        return at, params
                left = deadline - time.perf_counter()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)

    def initialize(self, options: dict[str, Any], folders: list[str]) -> Any:
        params = {
            "processId": os.getpid(),
            "rootUri": None,
            "capabilities": {},
            "workspaceFolders": [{"uri": Path(f).as_uri(), "name": Path(f).name} for f in folders],
            "initializationOptions": options,
        }
        result, _ = self.request("initialize", params, timeout=120)
        self.notify("initialized", {})
        return result

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=30)
                self.notify("exit", None)
                self.proc.wait(timeout=10)
        except (LspError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
