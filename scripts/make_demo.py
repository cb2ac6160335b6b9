#!/usr/bin/env python3
"""Write the bundled demo VS Code ``globalStorage`` folder (all values invented).

Output: ``server/roo_usage/demo/globalStorage/`` with ``rooveterinaryinc.roo-cline/`` and
``saoudrizwan.claude-dev/`` laid out like the real extensions' storage (see
``/work/shared/formats/editor-storage.md``), plus ``server/roo_usage/demo/README.md`` with the
figures a correct ledger must report for it. Deterministic: fixed seed, no clock, stdlib only.
Run: ``python3 scripts/make_demo.py``.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "server" / "roo_usage" / "demo"
OUT = DEMO / "globalStorage"
ROO_ID = "rooveterinaryinc.roo-cline"
CLINE_ID = "saoudrizwan.claude-dev"

SEED = 20261130
rng = random.Random(SEED)

# Prices, USD per million tokens (the same for every model in the demo).
P_IN, P_OUT, P_CW, P_CR = Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30")
NANO = Decimal("0.000000001")
PAUSE = 0.27  # chance that the user pauses long enough (> 5 min) for the prompt cache to expire


def price(uncached: int, out: int, cw: int, cr: int) -> Decimal:
    cost = (uncached * P_IN + out * P_OUT + cw * P_CW + cr * P_CR) / Decimal(1_000_000)
    return cost.quantize(NANO)


def num(d: Decimal) -> float | int:
    """The JSON number for a cost, as the extensions write it (0 is an integer)."""
    f = float(d)
    return int(f) if f == int(f) else f


def dec(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


def js(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ms(stamp: str) -> int:
    dt = datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000) + rng.randint(0, 59_999)


def iso(t: int) -> str:
    return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}Z"


def uuid7(t: int) -> str:
    value = (t & (2**48 - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ulid(t: int) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (t << 80) | rng.getrandbits(80)
    return "".join(alphabet[(value >> (5 * i)) & 31] for i in reversed(range(26)))


WORKSPACES = {
    "billing": "/home/dev/projects/acme-billing",
    "auth": "/home/dev/projects/acme-auth",
    "web": "/home/dev/projects/website",
}
MODES = {
    "code": "💻 Code",
    "architect": "🏗️ Architect",
    "ask": "❓ Ask",
    "debug": "🪲 Debug",
    "orchestrator": "🪃 Orchestrator",
}
# Roo keeps one API configuration per mode ("sticky" profiles).
MODELS = {
    "sonnet": ("anthropic/claude-sonnet-4.5", "anthropic", "openrouter-sonnet"),
    "gpt5": ("openai/gpt-5", "openai", "openrouter-gpt5"),
}
SAYINGS = {
    "architect": ["Let me look at how this is wired up before proposing anything.",
                  "Two options here; the smaller one keeps the public API unchanged.",
                  "Writing the plan down as a short checklist."],
    "ask": ["The answer is in the middleware; let me read it.",
            "Short version: it is driven by configuration, not code."],
    "debug": ["Let me reproduce this first.", "Adding a log line to confirm the hypothesis.",
              "That narrows it down to one function."],
    "orchestrator": ["Splitting this into steps and delegating the implementation.",
                     "The first step is done; checking what is left."],
    "code": ["Let me read the module first.", "Applying the change to the helper and its callers.",
             "Running the tests to confirm.", "Updating the types so the compiler catches misuse.",
             "The tests cover the happy path only; adding the edge cases."],
}

# ---------------------------------------------------------------------------------------------
# Task definitions. segments: (mode, model key, number of requests, announce switch with ask tool)

ROO_TASKS = [
    dict(key="r01", ws="billing", start="2026-11-09 09:12",
         text="Add proration for mid-cycle plan upgrades in src/billing/proration.ts",
         files=["src/billing/proration.ts", "src/billing/plans.ts", "tests/proration.spec.ts"],
         cmd="npm test -- proration",
         segments=[("architect", "gpt5", 3, False), ("code", "sonnet", 12, True)]),
    dict(key="r02", ws="auth", start="2026-11-10 13:40",
         text="Add TOTP-based two-factor login behind the feature flag twoFactorLogin",
         files=["src/login/totp.ts", "src/login/handler.ts", "src/flags.ts", "tests/totp.spec.ts"],
         cmd="npm test -- totp",
         segments=[("architect", "gpt5", 4, False), ("code", "sonnet", 18, True)],
         condense_after=14),
    dict(key="r03", ws="billing", start="2026-11-11 10:05",
         text="Invoice PDFs show USD totals for EUR customers. Find out why.",
         files=["src/pdf/render.ts", "src/money/format.ts", "src/customers/locale.ts"],
         cmd="npm test -- pdf",
         segments=[("debug", "sonnet", 7, False), ("code", "sonnet", 4, True)]),
    dict(key="r04", ws="web", start="2026-11-13 11:30",
         text="Redesign the pricing page hero to use the new brand colours",
         files=["src/pages/pricing.tsx", "src/styles/theme.css", "src/components/Hero.tsx"],
         cmd="npm run build",
         segments=[("code", "sonnet", 10, False)]),
    dict(key="r05", ws="billing", start="2026-11-16 09:45",
         text="Write unit tests for the tax rounding helpers in src/tax/round.ts",
         files=["src/tax/round.ts", "tests/tax-round.spec.ts"],
         cmd="npm test -- tax-round",
         segments=[("code", "sonnet", 9, False)],
         cancel_at=3),
    dict(key="r06", ws="auth", start="2026-11-17 14:10",
         text="Session cookie survives logout in Safari; investigate",
         files=["src/session/cookie.ts", "src/routes/logout.ts", "tests/logout.spec.ts"],
         cmd="npm test -- logout",
         segments=[("debug", "sonnet", 6, False), ("code", "sonnet", 3, False)]),
    dict(key="r07", ws="web", start="2026-11-19 15:00",
         text="Plan a blog section with MDX posts and an RSS feed",
         files=["docs/blog-plan.md", "src/pages/index.tsx", "package.json"],
         cmd="ls content",
         segments=[("architect", "gpt5", 5, False)]),
    dict(key="r08", ws="billing", start="2026-11-23 09:30",
         text="Move invoice numbering to per-tenant sequences",
         files=["docs/numbering.md", "src/invoice/number.ts"],
         cmd="git status",
         segments=[("orchestrator", "sonnet", 5, False)],
         delegate_after=2, child="r09"),
    dict(key="r09", ws="billing", start=None,
         text="Create the tenant_invoice_seq table, its migration and the allocator in src/invoice/number.ts",
         files=["migrations/0042_tenant_invoice_seq.sql", "src/invoice/number.ts", "tests/number.spec.ts"],
         cmd="npm run migrate && npm test -- number",
         segments=[("code", "sonnet", 13, False)]),
    dict(key="r10", ws="auth", start="2026-11-24 11:00",
         text="Store password reset tokens hashed instead of in plain text",
         files=["src/reset/tokens.ts", "src/db/schema.ts", "tests/reset.spec.ts"],
         cmd="npm test -- reset",
         segments=[("code", "sonnet", 12, False)]),
    dict(key="r11", ws="auth", start="2026-11-24 16:40",
         text="What does the refresh token rotation middleware do?",
         files=["src/middleware/rotate.ts"],
         cmd="",
         segments=[("ask", "gpt5", 3, False)]),
    dict(key="r12", ws="billing", start="2026-11-26 09:50",
         text="Explain how the dunning retry schedule is configured",
         files=["src/dunning/schedule.ts", "config/dunning.yaml"],
         cmd="",
         segments=[("ask", "gpt5", 3, False)]),
    dict(key="r13", ws="web", start="2026-11-26 14:30",
         text="Fix broken image links on the docs pages after the move to /assets",
         files=["src/docs/Image.tsx", "content/docs/setup.mdx", "scripts/check-links.mjs"],
         cmd="node scripts/check-links.mjs",
         segments=[("debug", "sonnet", 4, False), ("code", "sonnet", 4, True)]),
    dict(key="r14", ws="web", start="2026-11-30 10:00",
         text="Add a contact form with a honeypot field and rate limiting",
         files=["src/pages/contact.tsx", "src/api/contact.ts", "src/api/rateLimit.ts"],
         cmd="npm test -- contact",
         segments=[("architect", "gpt5", 2, False), ("code", "sonnet", 11, True)],
         active=True),
]
DELETED_TASK = dict(key="rdel", ws="web", start="2026-11-18 16:00",
                    text="Spike: try a static search index for the docs",
                    files=["scripts/build-index.mjs", "src/search/Search.tsx"],
                    cmd="node scripts/build-index.mjs",
                    segments=[("code", "sonnet", 12, False)])

CLINE_MODEL = "claude-sonnet-4-5-20250929"
CLINE_TASKS = [
    dict(ws="auth", start="2026-11-12 15:20",
         text="Write audit log entries for failed login attempts",
         files=["src/audit/log.ts", "src/login/handler.ts", "tests/audit.spec.ts"],
         cmd="npm test -- audit", segments=[("plan", 2), ("act", 9)]),
    dict(ws="billing", start="2026-11-19 10:20",
         text="Add a CSV export of unpaid invoices to the admin page",
         files=["src/admin/exportCsv.ts", "src/admin/routes.ts"],
         cmd="npm test -- export", segments=[("plan", 1), ("act", 6)]),
    dict(ws="web", start="2026-11-25 13:15",
         text="Make the navigation menu usable with the keyboard",
         files=["src/components/Nav.tsx", "src/components/Nav.css"],
         cmd="npm run lint", segments=[("plan", 2), ("act", 5)]),
    dict(ws="billing", start="2026-11-27 10:10",
         text="Upgrade the payments SDK and fix the resulting type errors",
         files=["package.json", "src/payments/client.ts", "src/payments/webhooks.ts"],
         cmd="npx tsc --noEmit", segments=[("act", 10)]),
]


# ---------------------------------------------------------------------------------------------
# Roo


def env_details(t: int, visible: str, cost: Decimal, mode: str, model: str) -> str:
    return (
        "<environment_details>\n# VSCode Visible Files\n" + visible + "\n\n# Current Time\n"
        "Current time in ISO 8601 UTC format: " + iso(t) + "\nUser time zone: UTC, UTC+0:00\n\n"
        "# Current Cost\n$" + f"{cost:.2f}" + "\n\n# Current Mode\n<slug>" + mode + "</slug>\n<name>"
        + MODES[mode] + "</name>\n<model>" + model + "</model>\n</environment_details>"
    )


def usage_json(protocol: str | None, tin: int, tout: int, cw: int, cr: int, cost: Decimal, **extra) -> str:
    body = {} if protocol is None else {"apiProtocol": protocol}
    body.update(tokensIn=tin, tokensOut=tout, cacheWrites=cw, cacheReads=cr, cost=num(cost))
    body.update(extra)
    return js(body)


def simulate_roo(spec: dict, t0: int, children: dict) -> dict:
    """Run one invented Roo task. Returns its files, requests and HistoryItem inputs."""
    ui: list[dict] = []
    conv: list[dict] = []
    reqs: list[dict] = []  # kind, ts, mode, cost, tin, tout, cw, cr
    files, cmd = spec["files"], spec["cmd"]
    t = t0
    ui.append({"ts": t, "type": "say", "say": "text", "text": spec["text"], "images": []})
    plan = [(m, k, i == n - 1, sw and i == n - 1 and si + 1 < len(spec["segments"]))
            for si, (m, k, n, sw) in enumerate(spec["segments"]) for i in range(n)]
    # Which segment boundaries are announced by an ask tool switchMode: flag on the previous request.
    announce = []
    for si, (m, k, n, sw) in enumerate(spec["segments"]):
        announce += [False] * (n - 1) + [si + 1 < len(spec["segments"]) and spec["segments"][si + 1][3]]
    n_total = len(plan)
    ctx = 0  # tokens in the conversation
    cache_key = None  # (mode, model) the provider cache holds a prefix for
    last_end = t
    spent = Decimal(0)
    pending_user = "<task>\n" + spec["text"] + "\n</task>"
    child_result = None
    mode = model_key = None
    for i, (mode, model_key, _, _) in enumerate(plan):
        model, protocol, _cfg = MODELS[model_key]
        t = ui[-1]["ts"] + rng.randint(900, 4200)
        if i > 0 and rng.random() < PAUSE:  # the user reviews or steps away; the prompt cache expires
            t += rng.randint(6 * 60_000, 40 * 60_000)
        visible = files[i % len(files)]
        conv.append({"role": "user", "content": [{"type": "text", "text": pending_user},
                                                 {"type": "text", "text": env_details(t, visible, spent, mode, model)}],
                     "ts": t + rng.randint(8, 40)})
        if spec.get("cancel_at") == i:
            ui.append({"ts": t, "type": "say", "say": "api_req_started",
                       "text": usage_json(protocol, 0, 0, 0, 0, Decimal(0), cancelReason="user_cancelled")})
            reqs.append(dict(kind="req", ts=t, mode=mode, cost=Decimal(0), tin=0, tout=0, cw=0, cr=0))
            ui.append({"ts": t + rng.randint(3000, 6000), "type": "ask", "ask": "resume_task"})
            ui.append({"ts": ui[-1]["ts"] + rng.randint(40_000, 140_000), "type": "say", "say": "user_feedback",
                       "text": "Sorry, wrong file. Keep going with the rounding tests.", "images": []})
            pending_user = "[TASK RESUMPTION] The task was interrupted; continue with the user's note."
            continue
        if i == 0:
            new = rng.randint(17_000, 24_000)
        else:
            new = rng.randint(1_500, 14_000)
        total = ctx + new
        warm = cache_key == (mode, model_key) and t - last_end < 5 * 60_000 and ctx > 0
        if protocol == "anthropic":
            tail = rng.randint(6, 90)
            cr = ctx if warm else 0
            cw = total - cr - tail
            uncached = tail
        else:
            cw = 0
            cr = (ctx // 128) * 128 if warm else 0
            uncached = total - cr
        tin = uncached + cw + cr
        tout = rng.randint(700, 3800) if model_key == "gpt5" else rng.randint(180, 2400)
        cost = price(uncached, tout, cw, cr)
        spent += cost
        ui.append({"ts": t, "type": "say", "say": "api_req_started",
                   "text": usage_json(protocol, tin, tout, cw, cr, cost)})
        reqs.append(dict(kind="req", ts=t, mode=mode, cost=cost, tin=tin, tout=tout, cw=cw, cr=cr))
        ctx = total + tout
        cache_key = (mode, model_key)
        end = t + 1500 + tout * rng.randint(9, 16)
        last_end = end
        said = rng.choice(SAYINGS[mode])
        ui.append({"ts": t + rng.randint(1200, 2500), "type": "say", "say": "text", "text": said, "partial": False})
        conv.append({"role": "assistant", "content": [{"type": "text", "text": said}], "ts": end})
        if i == n_total - 1:
            done = {"r11": "The middleware swaps the refresh token on every use and revokes the old one.",
                    "r12": "Retries are set per plan in config/dunning.yaml: 1, 3 and 7 days by default.",
                    "r09": "Added tenant_invoice_seq and its migration; numbers are now allocated per tenant."}
            result = done.get(spec["key"], "Done: the change is in place and the tests pass.")
            if child_result:
                result = "All steps finished; " + child_result[0].lower() + child_result[1:]
            ui.append({"ts": end + 200, "type": "say", "say": "completion_result", "text": result, "partial": False})
            ui.append({"ts": end + rng.randint(1500, 2500), "type": "ask", "ask": "completion_result", "text": ""})
            spec["_result"] = result
            break
        if announce[i]:
            nxt = plan[i + 1][0]
            ui.append({"ts": end + 150, "type": "ask", "ask": "tool", "partial": False,
                       "text": js({"tool": "switchMode", "mode": nxt,
                                   "reason": "The plan is agreed; switching to implement it."})})
            pending_user = f"[switch_mode to '{nxt}'] Result: Successfully switched to {MODES[nxt]} mode."
        elif spec.get("delegate_after") == i:
            child = children[spec["child"]]
            ui.append({"ts": end + 150, "type": "ask", "ask": "tool", "partial": False,
                       "text": js({"tool": "newTask", "mode": MODES[child["segments"][0][0]],
                                   "content": child["text"], "todos": []})})
            sub = simulate_roo(child, end + rng.randint(1500, 3000), children)
            child["_sim"] = sub
            child_result = sub["result"]
            ui.append({"ts": sub["ts"] + rng.randint(800, 2000), "type": "say", "say": "subtask_result",
                       "text": child_result})
            pending_user = "[new_task completed] Result: " + child_result
        elif mode in ("ask", "architect") and i % 2 == 0 or not cmd:
            path = files[(i + 1) % len(files)]
            ui.append({"ts": end + 150, "type": "ask", "ask": "tool", "partial": False,
                       "text": js({"tool": "readFile", "path": path, "isOutsideWorkspace": False,
                                   "content": WORKSPACES[spec["ws"]] + "/" + path})})
            pending_user = f"[read_file for '{path}'] Result: (file contents)"
        elif i % 3 == 2:
            ui.append({"ts": end + 150, "type": "ask", "ask": "command", "text": cmd, "partial": False})
            ui.append({"ts": end + rng.randint(3000, 9000), "type": "say", "say": "command_output",
                       "text": "Tests: 1 failed, 14 passed" if i < n_total - 3 else "Tests: 15 passed"})
            pending_user = f"[execute_command for '{cmd}'] Result: (test output)"
        else:
            path = files[i % len(files)]
            ui.append({"ts": end + 150, "type": "ask", "ask": "tool", "partial": False,
                       "text": js({"tool": "appliedDiff", "path": path, "isOutsideWorkspace": False,
                                   "isProtected": False})})
            pending_user = f"[apply_diff for '{path}'] Result: Changes applied."
        if spec.get("condense_after") == i:
            prev = ctx
            summary_out = rng.randint(1400, 2600)
            ccost = price(600, summary_out, 0, prev - 600)
            new_ctx = rng.randint(9_000, 14_000)
            ui.append({"ts": ui[-1]["ts"] + rng.randint(400, 900), "type": "say", "say": "condense_context",
                       "contextCondense": {"summary": "## Summary\nTOTP secret storage and verify step done; "
                                                      "login handler wiring and tests remain.",
                                           "cost": num(ccost), "newContextTokens": new_ctx,
                                           "prevContextTokens": prev}})
            reqs.append(dict(kind="condense", ts=ui[-1]["ts"], mode=mode, cost=ccost, tin=0, tout=0, cw=0, cr=0))
            spent += ccost
            ctx = new_ctx
            cache_key = None
    assert max((r["tin"] for r in reqs), default=0) < 190_000, spec["key"]
    last_ts = ui[-1]["ts"]
    return dict(ui=ui, conv=conv, reqs=reqs, ts=last_ts, mode=mode, cfg=MODELS[model_key][2],
                result=spec["_result"])


def history_item(spec: dict, sim: dict, task_id: str, size: int) -> dict:
    item: dict = {"id": task_id}
    if spec.get("_parent"):
        item["rootTaskId"] = spec["_parent"]
        item["parentTaskId"] = spec["_parent"]
    reqs = sim["reqs"]
    total = 0.0  # the float sum JavaScript produces, in message order
    for r in reqs:
        total += float(r["cost"])
    item.update(number=1, ts=sim["ts"], task=spec["text"],
                tokensIn=sum(r["tin"] for r in reqs), tokensOut=sum(r["tout"] for r in reqs),
                cacheWrites=sum(r["cw"] for r in reqs), cacheReads=sum(r["cr"] for r in reqs),
                totalCost=total, size=size, workspace=WORKSPACES[spec["ws"]], mode=sim["mode"],
                apiConfigName=sim["cfg"], status="active" if spec.get("active") else "completed")
    return item


# ---------------------------------------------------------------------------------------------
# Cline


def simulate_cline(spec: dict) -> dict:
    task_id = ms(spec["start"])
    files, cmd = spec["files"], spec["cmd"]

    def info(mode: str) -> dict:
        return {"providerId": "anthropic", "modelId": CLINE_MODEL, "mode": mode}

    plan = [m for m, n in spec["segments"] for _ in range(n)]
    ui = [{"ts": task_id + rng.randint(300, 2000), "type": "say", "say": "task", "text": spec["text"],
           "images": [], "files": [], "modelInfo": info(plan[0]), "conversationHistoryIndex": -1}]
    reqs, usage_log, in_context = [], [], {}
    ctx = 0
    for i, mode in enumerate(plan):
        t = ui[-1]["ts"] + rng.randint(1500, 5000)
        warm = i > 0 and rng.random() >= PAUSE
        if not warm:
            t += rng.randint(6 * 60_000, 30 * 60_000) if i > 0 else 0
        if i == 0:
            request = "<task>\n" + spec["text"] + "\n</task>"
        elif mode == "act" and plan[i - 1] == "plan":
            request = "[The user has switched to ACT MODE, so you may now proceed with the task.]"
        else:
            request = "[tool result]"
        new = rng.randint(11_000, 14_500) if i == 0 else rng.randint(1_200, 9_000)
        tin = rng.randint(1, 14)
        cr = ctx if warm else 0
        cw = new - tin + (0 if warm else ctx)
        tout = rng.randint(250, 2600)
        cost = price(tin, tout, cw, cr)
        ctx += new + tout
        idx = 2 * i
        ui.append({"ts": t, "type": "say", "say": "api_req_started",
                   "text": js({"request": request, "tokensIn": tin, "tokensOut": tout, "cacheWrites": cw,
                               "cacheReads": cr, "cost": num(cost)}),
                   "modelInfo": info(mode), "conversationHistoryIndex": idx})
        reqs.append(dict(kind="req", ts=t, mode=mode, cost=cost, tin=tin, tout=tout, cw=cw, cr=cr))
        if not usage_log or usage_log[-1]["mode"] != mode:
            usage_log.append({"ts": t, "model_id": CLINE_MODEL, "model_provider_id": "anthropic", "mode": mode})
        end = t + 1500 + tout * rng.randint(9, 16)
        common = {"modelInfo": info(mode), "conversationHistoryIndex": idx + 1}
        if i == len(plan) - 1:
            ui.append({"ts": end, "type": "say", "say": "completion_result",
                       "text": "Done; the change is in and the checks pass.", "partial": False, **common})
            ui.append({"ts": end + rng.randint(1500, 2500), "type": "ask", "ask": "completion_result",
                       "text": "", **common})
        elif mode == "plan" and plan[i + 1] == "act":
            ui.append({"ts": end, "type": "ask", "ask": "plan_mode_respond", "partial": False, **common,
                       "text": js({"response": "Plan: small helper, wire it in, add two tests. "
                                               "Switch to Act mode when ready.", "options": []})})
        elif mode == "plan":
            path = files[i % len(files)]
            ui.append({"ts": end, "type": "say", "say": "tool", "partial": False, **common,
                       "text": js({"tool": "readFile", "path": path,
                                   "content": WORKSPACES[spec["ws"]] + "/" + path,
                                   "operationIsLocatedInWorkspace": True})})
            in_context.setdefault(path, {"read": end, "edit": None})
        elif i % 3 == 1:
            ui.append({"ts": end, "type": "ask", "ask": "command", "text": cmd, "partial": False, **common})
            ui.append({"ts": end + rng.randint(3000, 8000), "type": "say", "say": "command_output",
                       "text": "0 errors", **common})
        else:
            path = files[i % len(files)]
            tool = "readFile" if path not in in_context else "editedExistingFile"
            ui.append({"ts": end, "type": "say", "say": "tool", "partial": False, **common,
                       "text": js({"tool": tool, "path": path, "content": "(diff)" if tool != "readFile"
                                   else WORKSPACES[spec["ws"]] + "/" + path,
                                   "operationIsLocatedInWorkspace": True})})
            rec = in_context.setdefault(path, {"read": end, "edit": None})
            if tool != "readFile":
                rec["edit"] = end
            ui.append({"ts": end + rng.randint(200, 600), "type": "say", "say": "checkpoint_created",
                       **common, "lastCheckpointHash": f"{rng.getrandbits(160):040x}",
                       "isCheckpointCheckedOut": False})
    metadata = {
        "files_in_context": [
            {"path": p, "record_state": "active", "record_source": "cline_edited" if r["edit"] else "read_tool",
             "cline_read_date": r["read"], "cline_edit_date": r["edit"]}
            for p, r in in_context.items()
        ],
        "model_usage": usage_log,
        "environment_history": [{"ts": task_id + 100, "os_name": "linux", "os_version": "6.8.0", "os_arch": "x64",
                                 "host_name": "Visual Studio Code", "host_version": "1.118.1",
                                 "cline_version": "3.44.1"}],
    }
    return dict(id=str(task_id), ui=ui, reqs=reqs, metadata=metadata, ts=ui[-1]["ts"])


# ---------------------------------------------------------------------------------------------


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    roo_tasks = ROO_TASKS
    by_key = {s["key"]: s for s in roo_tasks}
    for s in roo_tasks:
        if s.get("child"):
            by_key[s["child"]]["_parent_key"] = s["key"]

    # Each row: (extension, workspace, reqs, kind) for the figures.
    ledger: list[tuple[str, str, list[dict]]] = []
    items_by_key: dict[str, dict] = {}
    order: list[tuple[int, str]] = []
    roo_dir = OUT / ROO_ID / "tasks"

    def write_roo(spec: dict, sim: dict, task_id: str) -> None:
        d = roo_dir / task_id
        d.mkdir(parents=True)
        ui_text, conv_text = js(sim["ui"]), js(sim["conv"])
        (d / "ui_messages.json").write_text(ui_text, encoding="utf-8")
        (d / "api_conversation_history.json").write_text(conv_text, encoding="utf-8")
        size = len(ui_text.encode()) + len(conv_text.encode())
        item = history_item(spec, sim, task_id, size)
        if spec.get("child"):
            child_id = by_key[spec["child"]]["_id"]
            item.update(delegatedToId=child_id, childIds=[child_id], completedByChildId=child_id,
                        completionResultSummary=by_key[spec["child"]]["_result"])
        (d / "history_item.json").write_text(js(item), encoding="utf-8")
        items_by_key[spec["key"]] = item

    for spec in roo_tasks:
        if spec["start"] is None:
            continue  # a subtask; simulated inside its parent
        t0 = ms(spec["start"])
        spec["_id"] = uuid7(t0)
        if spec.get("child"):
            child = by_key[spec["child"]]
            child["_parent"] = spec["_id"]
        sim = simulate_roo(spec, t0, by_key)
        if spec.get("child"):
            child = by_key[spec["child"]]
            csim = child["_sim"]
            child["_id"] = uuid7(csim["ui"][0]["ts"])
            write_roo(child, csim, child["_id"])
            ledger.append(("roo", child["ws"], csim["reqs"]))
            order.append((csim["ui"][0]["ts"], child["key"]))
        write_roo(spec, sim, spec["_id"])
        ledger.append(("roo", spec["ws"], sim["reqs"]))
        order.append((t0, spec["key"]))

    # The deleted task: only its HistoryItem survives, in _index.json. Pick a run whose float
    # total prints as the exact decimal, so the HistoryItem figure is the exact figure.
    while True:
        t0 = ms(DELETED_TASK["start"])
        dsim = simulate_roo(DELETED_TASK, t0, {})
        exact = sum((r["cost"] for r in dsim["reqs"]), Decimal(0))
        ditem = history_item(DELETED_TASK, dsim, uuid7(t0), 0)
        if Decimal(repr(ditem["totalCost"])) == exact:
            break
    ditem["size"] = len(js(dsim["ui"]).encode()) + len(js(dsim["conv"]).encode())
    items_by_key["rdel"] = ditem
    order.append((t0, "rdel"))
    deleted_reqs = [dict(kind="deleted", ts=ditem["ts"], mode=ditem["mode"], cost=exact, tin=ditem["tokensIn"],
                         tout=ditem["tokensOut"], cw=ditem["cacheWrites"], cr=ditem["cacheReads"])]
    ledger.append(("roo-deleted", DELETED_TASK["ws"], deleted_reqs))

    order.sort()
    entries = [items_by_key[k] for _, k in order]
    index = {"version": 1, "updatedAt": max(e["ts"] for e in entries) + rng.randint(50, 400), "entries": entries}
    (roo_dir / "_index.json").write_text(js(index), encoding="utf-8")

    # Cline
    cline_dir = OUT / CLINE_ID
    history = []
    for spec in CLINE_TASKS:
        sim = simulate_cline(spec)
        d = cline_dir / "tasks" / sim["id"]
        d.mkdir(parents=True)
        ui_text = js(sim["ui"])
        (d / "ui_messages.json").write_text(ui_text, encoding="utf-8")
        (d / "task_metadata.json").write_text(json.dumps(sim["metadata"], indent=2), encoding="utf-8")
        reqs = sim["reqs"]
        total = 0.0
        for r in reqs:
            total += float(r["cost"])
        history.append({"id": sim["id"], "ulid": ulid(int(sim["id"])), "ts": sim["ts"], "task": spec["text"],
                        "tokensIn": sum(r["tin"] for r in reqs), "tokensOut": sum(r["tout"] for r in reqs),
                        "cacheWrites": sum(r["cw"] for r in reqs), "cacheReads": sum(r["cr"] for r in reqs),
                        "totalCost": total, "size": len(ui_text.encode()),
                        "cwdOnTaskInitialization": WORKSPACES[spec["ws"]], "isFavorited": False,
                        "modelId": CLINE_MODEL})
        # Cline's tokensIn excludes cache: the ledger's input figure includes it.
        for r in reqs:
            r["tin"] = r["tin"] + r["cw"] + r["cr"]
        ledger.append(("cline", spec["ws"], reqs))
    (cline_dir / "state").mkdir(parents=True)
    (cline_dir / "state" / "taskHistory.json").write_text(js(history), encoding="utf-8")

    # ------------------------------------------------------------------ figures
    tot = defaultdict(lambda: Decimal(0))
    ints = defaultdict(int)
    per_mode: dict[str, Decimal] = defaultdict(Decimal)
    per_ws: dict[str, Decimal] = defaultdict(Decimal)
    per_ext: dict[str, Decimal] = defaultdict(Decimal)
    n_requests = n_cancelled = 0
    for ext, ws, reqs in ledger:
        for r in reqs:
            tot["cost"] += r["cost"]
            for k in ("tin", "tout", "cw", "cr"):
                ints[k] += r[k]
            label = r["mode"] if r["kind"] != "deleted" else f"{r['mode']} (deleted task, HistoryItem.mode)"
            per_mode[label] += r["cost"]
            per_ws[WORKSPACES[ws]] += r["cost"]
            per_ext["Cline" if ext == "cline" else "Roo Code"] += r["cost"]
            if r["kind"] == "req":
                n_requests += 1
                n_cancelled += r["cost"] == 0 and r["tin"] == 0
    n_tasks = len(entries) + len(history)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    assert size < 300_000, size
    assert tot["cost"] == sum(per_mode.values()) == sum(per_ws.values())

    rows = [
        ("cost (USD)", dec(tot["cost"])),
        ("input tokens (including cache reads and writes)", f"{ints['tin']}"),
        ("output tokens", f"{ints['tout']}"),
        ("cache reads", f"{ints['cr']}"),
        ("cache writes", f"{ints['cw']}"),
        ("tasks (incl. 1 deleted Roo task)",
         f"{n_tasks} ({len(entries)} Roo incl. 1 subtask and the deleted one, {len(history)} Cline)"),
        ("requests (`api_req_started`; condense not counted; deleted task unknown)",
         f"{n_requests} (incl. {n_cancelled} cancelled with zero usage)"),
    ]
    mode_order = ["architect", "code", "debug", "ask", "orchestrator", "plan", "act"]
    mode_rows = sorted(per_mode.items(), key=lambda kv: (mode_order.index(kv[0].split()[0]), kv[0]))
    lines = ["| figure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    lines += ["", "| mode (request level) | cost (USD) |", "|---|---|"]
    lines += [f"| {m} | {dec(c)} |" for m, c in mode_rows]
    lines += ["", "| workspace | cost (USD) |", "|---|---|"]
    lines += [f"| {w} | {dec(c)} |" for w, c in sorted(per_ws.items())]
    lines += ["", "| extension | cost (USD) |", "|---|---|"]
    lines += [f"| {e} | {dec(c)} |" for e, c in sorted(per_ext.items(), reverse=True)]
    table = "\n".join(lines)

    readme = f"""# Demo editor data (all values invented)

`globalStorage/` is a bundled, made-up VS Code global-storage folder used when a user has no editor
data of their own: `{ROO_ID}/` (Roo Code >= 3.49 layout: `tasks/<UUIDv7>/ui_messages.json`,
`api_conversation_history.json`, `history_item.json`, and `tasks/_index.json`) and `{CLINE_ID}/`
(Cline 3.x: `tasks/<Date.now()>/ui_messages.json`, `task_metadata.json`, `state/taskHistory.json`),
covering three weeks up to 2026-11-30 in three workspaces. It is written by
`scripts/make_demo.py` (fixed seed, deterministic; rerun it rather than editing files by hand). Costs
use input $3/M, output $15/M, cache write $3.75/M, cache read $0.30/M, each request rounded to 1e-9 USD.
Roo `tokensIn` includes cache (Claude requests use `apiProtocol` `anthropic`, GPT-5 requests
`openai`); Cline `tokensIn` excludes it, so the input figure below adds Cline's cache tokens. One Roo
task was deleted: it appears only in `_index.json` and its usage is known only from its HistoryItem
totals. The other extras: one subtask (orchestrator to code), one `condense_context` (its cost counts
in the mode of the request before it), one cancelled request with zero usage, several mode switches.
Mode per Roo request comes from the `<environment_details>` of its user message; per Cline request
from `modelInfo.mode`. Expected figures, exact:

{table}
"""
    (DEMO / "README.md").write_text(readme, encoding="utf-8")
    print(table)
    print(f"\nbytes on disk: {size}")


if __name__ == "__main__":
    main()
