"""Memory habits for big ledgers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small containers.

    Loading a snapshot or parsing task files allocates millions of lists and dicts and creates no
    reference cycles, yet each allocation burst triggers a collection that walks everything
    already loaded. Reference counting still frees memory as usual meanwhile. On the way out,
    what the block built is frozen (kept out of later collections): otherwise the first
    collection after re-enabling walks all of it once more.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
