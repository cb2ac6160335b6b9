"""The `roo-usage` command: the main job's JSON, tables, exports and its errors' exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from roo_usage.cli import EXIT_LEDGER, EXIT_SOURCE, EXIT_USAGE, main
from tests.unit.helpers import copy_sample

BILLING = "/home/dev/projects/acme-billing"


@pytest.fixture
def roo(tmp_path: Path) -> Path:
    return copy_sample("roo", tmp_path / "storage")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def summary_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> dict:
    code, out, err = run(
        capsys, "summary", "--json", "--no-default-sources",
        "--storage-dir", str(tmp_path / "ledger"), "--time-zone", "UTC", *argv,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)


def test_summary_json_reports_the_sample_totals(capsys, tmp_path: Path, roo: Path) -> None:
    summary = summary_json(capsys, tmp_path, "--source", str(roo))
    assert summary["totals"] | {"cost": None} == {
        "cost": None, "costExact": "0.165987", "tokens": 72609, "tokensIn": 68974,
        "tokensOut": 3635,
        "cacheReads": 44850, "cacheWrites": 17780, "tasks": 2, "requests": 8,
        "unknownRequests": 0, "deletedTasks": 0,
    }  # fmt: skip
    assert {m["mode"]: m["costExact"] for m in summary["byMode"]} == {
        "architect": "0.0827985", "code": "0.0608505", "debug": "0.022338",
    }  # fmt: skip
    assert summary["byWorkspace"][0]["name"] == "acme-billing"


def test_the_console_script_prints_the_same_object(tmp_path: Path, roo: Path) -> None:
    env = {**os.environ, "ROO_USAGE_HOME": str(tmp_path / "ledger")}
    argv = [sys.executable, "-m", "roo_usage", "summary", "--json", "--no-default-sources"]
    out = subprocess.run(
        [*argv, "--source", str(roo)], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout)["totals"]["costExact"] == "0.165987"
    assert (tmp_path / "ledger" / "ledger.json").exists()  # ROO_USAGE_HOME was honoured


def test_workspace_alone_selects_the_current_scope(capsys, tmp_path: Path, roo: Path) -> None:
    summary = summary_json(capsys, tmp_path, "--source", str(roo), "--workspace", BILLING + "/")
    assert summary["scope"] == "current"
    assert summary["workspaces"] == [BILLING]
    assert summary["totals"]["costExact"] == "0.165987"


def test_a_relative_workspace_is_taken_from_the_current_directory(
    capsys, tmp_path: Path, roo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    summary = summary_json(capsys, tmp_path, "--source", str(roo), "--workspace", "somewhere")
    assert summary["workspaces"] == [str(tmp_path / "somewhere")]
    assert summary["totals"]["tasks"] == 0


def test_days_filter_and_breakdown_by_day(capsys, tmp_path: Path, roo: Path) -> None:
    summary = summary_json(
        capsys, tmp_path, "--source", str(roo), "--since", "2026-01-13", "--until", "2026-01-13"
    )
    assert [d["day"] for d in summary["byDay"]] == ["2026-01-13"]
    assert summary["totals"]["requests"] == 8
    later = summary_json(capsys, tmp_path, "--no-scan", "--since", "2026-01-14")
    assert later["totals"]["tasks"] == 0


def test_the_table_shows_totals_and_breakdowns(capsys, tmp_path: Path, roo: Path) -> None:
    code, out, _ = run(
        capsys, "summary", "--no-default-sources", "--source", str(roo),
        "--storage-dir", str(tmp_path / "ledger"), "--by", "mode", "--by", "model",
    )  # fmt: skip
    assert code == 0
    assert "Total cost    $0.17" in out
    assert "Architect" in out and "anthropic/claude-sonnet-4.5" in out
    assert "68,974" in out


def test_export_rows_sum_to_the_summary(capsys, tmp_path: Path, roo: Path) -> None:
    ledger = str(tmp_path / "ledger")
    code, out, _ = run(
        capsys, "export", "--format", "csv", "--no-default-sources", "--source", str(roo),
        "--storage-dir", ledger,
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(Decimal(r["cost"]) for r in rows) == Decimal("0.165987")
    assert sum(int(r["tokensIn"]) for r in rows) == 68974
    assert sum(r["kind"] == "request" for r in rows) == 8
    assert not any("Plan and then fix" in value for r in rows for value in r.values())  # no text


def test_no_data_anywhere_shows_the_demo_in_its_own_ledger(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROO_USAGE_SOURCES", raising=False)
    summary = summary_json(capsys, tmp_path)
    assert summary["totals"]["costExact"] == "23.7163014"  # server/roo_usage/demo/README.md
    assert (tmp_path / "ledger" / "demo" / "ledger.json").exists()
    own = json.loads((tmp_path / "ledger" / "ledger.json").read_text().split("\n")[0][10:-1])
    assert own["revision"] == 0  # the user's own ledger stays empty


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["summary", "--since", "yesterday"], EXIT_USAGE, "YYYY-MM-DD"),
        (["summary", "--since", "2026-02-01", "--until", "2026-01-01"], EXIT_USAGE, "after"),
        (["summary", "--time-zone", "Mars/Olympus"], EXIT_USAGE, "time zone"),
        (["summary", "--scope", "all", "--workspace", "/x"], EXIT_USAGE, "--scope current"),
        (["summary", "--source", "/no/such/folder"], EXIT_SOURCE, "not found"),
        (["import", "--source", __file__], EXIT_SOURCE, "not a folder"),
    ],
)
def test_bad_arguments_get_a_clear_error_and_an_exit_code(
    capsys, tmp_path: Path, argv: list[str], code: int, message: str
) -> None:
    got, _, err = run(capsys, *argv, "--storage-dir", str(tmp_path / "ledger"))
    assert got == code
    assert message in err


def test_an_unusable_ledger_folder_exits_3(capsys, tmp_path: Path, roo: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    code, _, err = run(
        capsys, "summary", "--no-default-sources", "--source", str(roo),
        "--storage-dir", str(not_a_folder),
    )  # fmt: skip
    assert code == EXIT_LEDGER
    assert "ledger folder cannot be used" in err


def test_pointing_at_the_tasks_folder_warns_with_a_hint(capsys, tmp_path: Path, roo: Path) -> None:
    code, _, err = run(
        capsys, "summary", "--no-default-sources", "--source", str(roo / "tasks"),
        "--storage-dir", str(tmp_path / "ledger"),
    )  # fmt: skip
    assert code == 0
    assert "give the folder that contains tasks/" in err
