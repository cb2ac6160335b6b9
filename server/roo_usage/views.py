"""The summary as a readable table for the terminal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from roo_usage.money import format_usd, usd_to_pico

_TITLES = {
    "byMode": "By mode",
    "byWorkspace": "By workspace",
    "byModel": "By model",
    "byDay": "By day",
}
_LABEL = {"byMode": "name", "byWorkspace": "name", "byModel": "model", "byDay": "day"}


def _usd(figures: dict[str, Any]) -> str:
    return format_usd(usd_to_pico(Decimal(figures["costExact"])))


def _n(value: int) -> str:
    return f"{value:,}"


def render_summary(summary: dict[str, Any], breakdowns: list[str]) -> str:
    """Totals first, then one table per requested breakdown."""
    t = summary["totals"]
    if summary["scope"] == "current":
        where = "workspace " + ", ".join(summary["workspaces"]) if summary["workspaces"] else "-"
    else:
        where = "all workspaces"
    span = ""
    if summary["since"] or summary["until"]:
        span = f", {summary['since'] or '…'} to {summary['until'] or '…'}"
    deleted = f", {t['deletedTasks']} since deleted" if t["deletedTasks"] else ""
    unknown = f", {t['unknownRequests']} with unknown usage" if t["unknownRequests"] else ""
    uncached = t["tokensIn"] - t["cacheReads"] - t["cacheWrites"]
    lines = [
        f"AI Inference Summary: {where}{span}",
        "",
        f"  Total cost    {_usd(t)}",
        f"  Tokens in     {_n(t['tokensIn'])}  (uncached {_n(uncached)}, cache reads "
        f"{_n(t['cacheReads'])}, cache writes {_n(t['cacheWrites'])})",
        f"  Tokens out    {_n(t['tokensOut'])}",
        f"  Tasks         {_n(t['tasks'])}{deleted}",
        f"  Requests      {_n(t['requests'])}{unknown}",
    ]
    if not t["tasks"]:
        filtered = summary["scope"] == "current" or summary["since"] or summary["until"]
        lines += ["", "  No usage in this selection." if filtered else "  No usage recorded yet."]
    for key in breakdowns:
        rows = summary.get(key) or []
        if not rows:
            continue
        label = _LABEL[key]
        table = [
            [str(r[label]), _usd(r), _n(r["tokensIn"]), _n(r["tokensOut"]), _n(r["tasks"]),
             _n(r["requests"])]
            for r in rows
        ]  # fmt: skip
        header = [_TITLES[key], "Cost", "Tokens in", "Tokens out", "Tasks", "Requests"]
        widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
        lines += ["", "  " + _row(header, widths)]
        lines += ["  " + _row(row, widths) for row in table]
    footer = f"Ledger revision {summary['revision']}; days in {summary['timeZone']}."
    return "\n".join(lines + ["", footer, ""])


def _row(cells: list[str], widths: list[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
    return "   ".join([first, *rest])
