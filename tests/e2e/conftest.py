"""End-to-end fixtures: the real `roo-usage serve` process over stdio, driven by pytest-lsp.

Every server gets a private ledger folder and a copy of the sample storage, never the real home.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

from roo_usage.lsp.protocol import USAGE_CHANGED, plain_converter

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"


class Session:
    """A started server and what it pushed to us."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.pushes: list[dict[str, Any]] = []

    async def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self.client.protocol.send_request_async(method, params or {})

    async def push_matching(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first push (already received or still to come) that satisfies ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for payload in self.pushes:
                if predicate(payload):
                    return payload
            if loop.time() > deadline:
                raise AssertionError(f"no matching roo/usageChanged; received {self.pushes!r}")
            await asyncio.sleep(0.02)


def _make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=plain_converter)
    register_lsp_features(client)
    return client


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    """A copy of the sample Roo Code global storage (two tasks, $0.165987)."""
    roo = tmp_path / "globalStorage" / "rooveterinaryinc.roo-cline"
    shutil.copytree(SAMPLES / "roo", roo)
    return roo


@pytest.fixture
def ledger_home(tmp_path: Path) -> Path:
    return tmp_path / "ledger"


Launch = Callable[..., Awaitable[Session]]


@pytest_asyncio.fixture
async def launch(tmp_path: Path) -> AsyncIterator[Launch]:
    """Start servers: ``await launch(home=..., sources=[...], folders=[...])``."""
    sessions: list[Session] = []

    async def start(
        *,
        home: Path,
        sources: list[Path] | None = None,
        folders: list[Path] | None = None,
        options: dict[str, Any] | None = None,
        progress: bool = True,
    ) -> Session:
        env = {**os.environ, "HOME": str(tmp_path / "home"), "ROO_USAGE_SOURCES": ""}
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "roo_usage", "serve", "--no-default-sources"],
            server_env=env,
            client_factory=_make_client,
        )
        client = await config.start()
        session = Session(client)

        @client.feature(USAGE_CHANGED)
        def on_push(params: Any) -> None:
            session.pushes.append(params)

        init_options = {"storageDir": str(home), "sources": [str(s) for s in sources or []]}
        init_options |= options or {}
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    window=types.WindowClientCapabilities(work_done_progress=progress)
                ),
                workspace_folders=[
                    types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders or []
                ],
                initialization_options=init_options,
            )
        )
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        with contextlib.suppress(Exception):  # some tests shut down themselves
            await asyncio.wait_for(session.client.shutdown_session(), 10)
        await session.client.stop()
