-- Headless Neovim end-to-end test of client-nvim/lua/roo_usage.lua against the real server.
--
-- Run by tests/e2e/test_neovim.py as `nvim --headless --clean -c "luafile <this file>"`, with:
--   ROO_NVIM_PLUGIN   the repo's client-nvim folder (prepended to 'runtimepath')
--   ROO_NVIM_PYTHON   the Python that runs `-m roo_usage serve`
--   ROO_NVIM_STORAGE  a copy of the sample Roo Code storage ($0.165987, 8 requests)
--   ROO_NVIM_LEDGER   an empty ledger folder
-- The working directory is a temporary workspace folder (the "current" workspace).
-- Prints one line per step to stderr; on success writes the marker line to stdout and quits 0,
-- on any failure prints diagnostics and quits with `cquit 1`. Every wait is bounded.

local MARKER = "ROO_USAGE_NVIM_E2E_OK"
local TIMEOUT_MS = 20000

local function log(message)
  io.stderr:write("[nvim-e2e] " .. message .. "\n")
end

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("missing environment variable " .. name, 0)
  end
  return value
end

local function check(condition, message, detail)
  if not condition then
    error(message .. (detail ~= nil and (": " .. vim.inspect(detail)) or ""), 2)
  end
end

local function wait_for(what, predicate)
  if not vim.wait(TIMEOUT_MS, predicate, 20) then
    error(string.format("timed out after %d ms waiting for %s", TIMEOUT_MS, what), 2)
  end
end

-- vim.notify messages, for the rescan step and for diagnostics.
local notifications = {}
vim.notify = function(message, level)
  table.insert(notifications, { message = message, level = level })
  log("notify: " .. tostring(message))
end

--- A request through the integration, waited for; returns the result.
local function request(ru, method, params)
  local done, err, result = false, nil, nil
  ru.request(method, params, function(e, r)
    done, err, result = true, e, r
  end)
  wait_for("the " .. method .. " response", function()
    return done
  end)
  check(err == nil, method .. " failed", err)
  return result
end

local function float_windows()
  local found = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      table.insert(found, win)
    end
  end
  return found
end

--- Runs `command`, waits for its floating window, returns the window's text; closes it with q.
local function summary_window_text(command)
  check(#float_windows() == 0, "a floating window is already open before " .. command)
  vim.cmd(command)
  wait_for("the floating window of " .. command, function()
    return #float_windows() == 1
  end)
  local win = float_windows()[1]
  check(vim.api.nvim_get_current_win() == win, "the summary window should have the focus")
  local buf = vim.api.nvim_win_get_buf(win)
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  log(command .. " window:\n" .. text)
  vim.api.nvim_feedkeys("q", "x", false)
  check(not vim.api.nvim_win_is_valid(win), "q should close the summary window")
  return text
end

local function contains(text, needle)
  return text:find(needle, 1, true) ~= nil
end

local function statusline_text()
  return vim.api.nvim_eval_statusline("%{v:lua.require'roo_usage'.statusline()}", {}).str
end

local function run()
  local workspace = vim.fn.getcwd()
  vim.opt.runtimepath:prepend(env("ROO_NVIM_PLUGIN"))
  local ru = require("roo_usage")
  check(ru.USAGE_CHANGED == "roo/usageChanged", "method constant", ru.USAGE_CHANGED)

  ru.setup({
    cmd = { env("ROO_NVIM_PYTHON"), "-m", "roo_usage", "serve" },
    storage_dir = env("ROO_NVIM_LEDGER"),
    sources = { env("ROO_NVIM_STORAGE") },
    scan_default_sources = false,
    time_zone = "UTC",
  })
  check(ru.client() ~= nil, "setup should start the server")
  check(vim.fn.exists(":RooUsage") == 2 and vim.fn.exists(":RooUsageRescan") == 2, "commands defined")
  vim.o.statusline = "%!v:lua.require'roo_usage'.statusline()"

  -- Count statusline redraws requested by pushes through the User autocmd.
  local changes = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = "RooUsageChanged",
    callback = function()
      changes = changes + 1
    end,
  })

  log("step: first push after the import")
  wait_for("a roo/usageChanged push with the 8 sample requests", function()
    local latest = ru.latest()
    return latest ~= nil and latest.all ~= nil and latest.all.requests == 8
  end)
  local pushed = ru.latest()
  check(pushed.all.costExact == "0.165987", "all-time cost in the push", pushed.all)
  check(pushed.current.requests == 0, "the temp workspace has no usage yet", pushed.current)
  check(changes >= 1, "the push fires User RooUsageChanged")

  log("step: statusline")
  check(statusline_text() == "AI $0.166", "statusline (all)", statusline_text())
  check(ru.statusline({ figure = "current" }) == "AI $0.00", "statusline (current)", ru.statusline({ figure = "current" }))

  log("step: roo/usageSummary")
  local summary = request(ru, ru.USAGE_SUMMARY, { scope = "all" })
  check(summary.totals.costExact == "0.165987", "summary cost", summary.totals)
  check(summary.totals.requests == 8 and summary.totals.tokensIn == 68974, "summary figures", summary.totals)
  local modes = {}
  for _, row in ipairs(summary.byMode) do
    modes[row.mode] = row.costExact
  end
  check(
    vim.deep_equal(modes, { architect = "0.0827985", code = "0.0608505", debug = "0.022338" }),
    "summary by mode",
    modes
  )

  log("step: :RooUsage")
  local text = summary_window_text("RooUsage")
  for _, needle in ipairs({ "all workspaces", "$0.166", "68,974", "Architect", "$0.0828", "Code", "$0.0609",
    "Debug", "$0.0223", "Workspace", "acme-billing" }) do
    check(contains(text, needle), ":RooUsage window should show " .. needle)
  end

  log("step: :RooUsage current")
  text = summary_window_text("RooUsage current")
  check(contains(text, "current workspace: " .. vim.fn.fnamemodify(workspace, ":t")), ":RooUsage current header")
  check(contains(text, "No usage recorded yet."), ":RooUsage current on an empty workspace")

  log("step: roo/recordUsage then the push")
  local revision = pushed.revision
  local recorded = request(ru, ru.RECORD_USAGE, {
    source = "roo-code",
    taskId = "nvim-e2e-task",
    workspace = workspace,
    requests = {
      { ts = 1768300000000, tokensIn = 1000, tokensOut = 100, cost = 0.5, mode = "code", model = "test/model" },
    },
  })
  check(recorded.requestsAdded == 1, "recordUsage result", recorded)
  wait_for("a push with the recorded request", function()
    local latest = ru.latest()
    return latest.revision > revision and latest.all.requests == 9
  end)
  local latest = ru.latest()
  check(latest.all.costExact == "0.665987", "all-time cost after recordUsage", latest.all)
  check(latest.current.costExact == "0.5", "current cost after recordUsage", latest.current)
  check(statusline_text() == "AI $0.666", "statusline after the push", statusline_text())
  check(ru.statusline({ figure = "current" }) == "AI $0.50", "statusline (current) after the push")

  text = summary_window_text("RooUsage current")
  check(contains(text, "$0.50") and contains(text, "Code"), ":RooUsage current after recordUsage")

  log("step: :RooUsageRescan")
  local before = #notifications
  vim.cmd("RooUsageRescan")
  wait_for("the rescan message", function()
    for i = before + 1, #notifications do
      if contains(notifications[i].message, "rescanned") then
        return true
      end
    end
    return false
  end)

  log("step: :cd updates the current workspace")
  local other = vim.fn.fnamemodify(workspace, ":h") .. "/other-workspace"
  vim.fn.mkdir(other, "p")
  revision = ru.latest().revision
  vim.cmd("cd " .. vim.fn.fnameescape(other))
  wait_for("a push for the new current workspace", function()
    local payload = ru.latest()
    return payload.current.requests == 0 and vim.tbl_contains(payload.workspaces or {}, vim.fn.getcwd())
  end)
  check(ru.latest().all.costExact == "0.665987", "all-time cost unchanged by :cd", ru.latest().all)
  check(ru.statusline({ figure = "current" }) == "AI $0.00", "statusline (current) after :cd")

  log("step: stop")
  local client = ru.client()
  ru.stop()
  wait_for("the server to stop", function()
    return client.is_stopped()
  end)
  check(ru.statusline() == "", "statusline is empty once the server is stopped")
end

local ok, err = xpcall(run, debug.traceback)
if ok then
  io.stdout:write(MARKER .. "\n")
  io.stdout:flush()
  vim.cmd("qall!")
else
  log("FAILED: " .. tostring(err))
  local ru = package.loaded["roo_usage"]
  if ru then
    log("latest push: " .. vim.inspect(ru.latest()))
  end
  log("notifications: " .. vim.inspect(notifications))
  log("LSP log: " .. vim.lsp.get_log_path())
  vim.cmd("cquit 1")
end
