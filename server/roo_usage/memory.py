"""Memory habits for big ledgers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc(*, keep: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small containers.

    Loading a snapshot or parsing task files allocates millions of lists and dicts and creates no
    reference cycles, yet each allocation burst triggers a collection that walks everything
    already loaded. Reference counting still frees memory as usual meanwhile. With ``keep``
    (for what lives as long as the process: a loaded ledger, its index), what exists at the end
    is frozen out of later collections; otherwise the first one after re-enabling would walk
    all of it once more.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if enabled:
            gc.enable()
