"""The durable, shared usage ledger (journal + snapshot). Knows nothing of LSP or editors."""

from roo_usage.ledger.state import LedgerState, TaskKey, TaskState
from roo_usage.ledger.store import CommitResult, Ledger, LedgerError

__all__ = ["CommitResult", "Ledger", "LedgerError", "LedgerState", "TaskKey", "TaskState"]
