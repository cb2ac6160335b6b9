--- Roo Usage for Neovim (0.7+): AI usage cost in the statusline and a summary window.
---
--- Starts `roo-usage serve` with `vim.lsp.start_client`, keeps the latest `roo/usageChanged`
--- payload for the statusline, and shows `roo/usageSummary` in a floating window. The server
--- computes every figure; this module only formats them. Payloads are described in protocol.md.
local M = {}

-- Method names: mirror server/roo_usage/lsp/protocol.py (the one source of truth).
M.USAGE_SUMMARY = "roo/usageSummary"
M.USAGE_CHANGED = "roo/usageChanged"
M.RECORD_USAGE = "roo/recordUsage"
M.RESCAN = "roo/rescan"

local NAME = "roo_usage"
local FIGURES = { all = true, current = true, today = true }
local SCOPES = { "all", "current" }

local defaults = {
  cmd = { "roo-usage", "serve" },
  -- initializationOptions; nil leaves the server's default.
  storage_dir = nil,
  sources = nil,
  scan_default_sources = nil,
  time_zone = nil,
  -- The statusline shows the "all" (all time), "current" (cwd workspace) or "today" figure.
  statusline_figure = "all",
  statusline_prefix = "AI ",
  autostart = true,
}

local config = vim.deepcopy(defaults)
local state = {
  client_id = nil,
  latest = nil, -- the last roo/usageChanged payload
  folder = nil, -- the workspace folder sent to the server
  augroup = nil,
}

-- Formatting --------------------------------------------------------------------------------

local function group_thousands(digits)
  local head_length = (#digits - 1) % 3 + 1
  local rest = digits:sub(head_length + 1):gsub("(%d%d%d)", ",%1")
  return digits:sub(1, head_length) .. rest
end

--- A cost as the VS Code card shows it: `$12.34` from $1 up; below $1 three significant
--- digits (at least two decimals), so small amounts stay readable: `$0.166`, `$0.0042`.
function M.format_cost(value)
  if type(value) ~= "number" or value ~= value or value == math.huge or value == -math.huge then
    return "—"
  end
  local abs = math.abs(value)
  if abs > 0 and abs < 1e-8 then
    return "<$0.00000001"
  end
  local decimals = 2
  if abs > 0 and abs < 1 then
    decimals = math.min(8, math.max(2, 2 - math.floor(math.log10(abs))))
  end
  local text = string.format("%." .. decimals .. "f", abs)
  -- Trailing zeros beyond two decimals carry no information (Intl's maximumFractionDigits).
  while decimals > 2 and text:sub(-1) == "0" do
    text = text:sub(1, -2)
    decimals = decimals - 1
  end
  local whole, fraction = text:match("^(%d+)(%.%d+)$")
  local sign = (value < 0 and tonumber(text) ~= 0) and "-" or ""
  return sign .. "$" .. group_thousands(whole) .. fraction
end

--- `68974` → `68,974`.
function M.format_count(value)
  if type(value) ~= "number" then
    return "—"
  end
  local digits = string.format("%d", math.abs(value))
  return (value < 0 and "-" or "") .. group_thousands(digits)
end

-- The server connection ---------------------------------------------------------------------

--- The running client, or nil.
function M.client()
  if not state.client_id then
    return nil
  end
  local client = vim.lsp.get_client_by_id(state.client_id)
  if client == nil or client.is_stopped() then
    return nil
  end
  return client
end

--- The latest `roo/usageChanged` payload (nil before the first push).
function M.latest()
  return state.latest
end

local function notify(message, level)
  vim.notify("Roo Usage: " .. message, level or vim.log.levels.INFO)
end

local function init_options()
  local options = {}
  if config.storage_dir then
    options.storageDir = vim.fn.expand(config.storage_dir)
  end
  if config.sources then
    options.sources = vim.tbl_map(vim.fn.expand, config.sources)
  end
  if config.scan_default_sources ~= nil then
    options.scanDefaultSources = config.scan_default_sources
  end
  if config.time_zone then
    options.timeZone = config.time_zone
  end
  return options
end

local function workspace_folder(path)
  return { uri = vim.uri_from_fname(path), name = vim.fn.fnamemodify(path, ":t") }
end

local function on_usage_changed(_, payload)
  if type(payload) ~= "table" then
    return
  end
  state.latest = payload
  -- Handlers run scheduled (rpc.lua wraps notification dispatchers), so the editor API is safe here.
  vim.cmd("redrawstatus!")
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "RooUsageChanged", modeline = false })
end

--- Starts the server (once); returns the client id or nil.
function M.start()
  if M.client() then
    return state.client_id
  end
  local root = vim.fn.getcwd()
  state.folder = workspace_folder(root)
  state.latest = nil
  local client_id = vim.lsp.start_client({
    name = NAME,
    cmd = config.cmd,
    root_dir = root,
    workspace_folders = { state.folder },
    init_options = init_options(),
    handlers = { [M.USAGE_CHANGED] = on_usage_changed },
    -- vim.lsp itself warns when the server exits with an error.
    on_exit = function(_, _, id)
      vim.schedule(function()
        if state.client_id == id then
          state.client_id = nil
          vim.cmd("redrawstatus!")
        end
      end)
    end,
  })
  if not client_id then
    notify("could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
    return nil
  end
  state.client_id = client_id
  return client_id
end

--- Stops the server.
function M.stop()
  local client = M.client()
  if client then
    client.stop()
  end
  state.client_id = nil
  state.latest = nil
end

--- Sends a request once the server is initialized: `callback(err, result)`.
function M.request(method, params, callback)
  local client = M.client()
  if not client then
    callback({ message = "the server is not running (:lua require('roo_usage').start())" }, nil)
    return
  end
  if not client.initialized then
    callback({ message = "the server is still starting" }, nil)
    return
  end
  client.request(method, params or vim.empty_dict(), function(err, result)
    callback(err, result)
  end)
end

--- Requests the summary of `scope` ("all" or "current"): `callback(err, summary)`.
function M.summary(scope, callback)
  M.request(M.USAGE_SUMMARY, { scope = scope or "all" }, callback)
end

-- Follow :cd so "current" stays the editor's working directory.
local function on_dir_changed()
  local client = M.client()
  if not client or not client.initialized or not state.folder then
    return
  end
  local folder = workspace_folder(vim.fn.getcwd())
  if folder.uri == state.folder.uri then
    return
  end
  client.notify("workspace/didChangeWorkspaceFolders", {
    event = { added = { folder }, removed = { state.folder } },
  })
  state.folder = folder
  client.workspace_folders = { folder }
end

-- Statusline --------------------------------------------------------------------------------

--- The statusline text, e.g. `AI $0.166`; `opts.figure` is "all", "current" or "today".
--- Empty when the server is not running, `AI …` until its first push.
function M.statusline(opts)
  opts = opts or {}
  local prefix = opts.prefix or config.statusline_prefix
  if not M.client() then
    return ""
  end
  local figure = opts.figure or config.statusline_figure
  local totals = state.latest and state.latest[figure]
  if type(totals) ~= "table" then
    return prefix .. "…"
  end
  return prefix .. M.format_cost(totals.cost)
end

-- The summary window ------------------------------------------------------------------------

local function pad(text, width, right)
  local gap = width - vim.fn.strdisplaywidth(text)
  if gap <= 0 then
    return text
  end
  return right and (string.rep(" ", gap) .. text) or (text .. string.rep(" ", gap))
end

local function table_lines(title, rows, label)
  if type(rows) ~= "table" or #rows == 0 then
    return {}
  end
  local header = { title, "Cost", "Requests", "Tasks", "Tokens in", "Tokens out" }
  local cells = { header }
  for _, row in ipairs(rows) do
    table.insert(cells, {
      label(row),
      M.format_cost(row.cost),
      M.format_count(row.requests),
      M.format_count(row.tasks),
      M.format_count(row.tokensIn),
      M.format_count(row.tokensOut),
    })
  end
  local widths = {}
  for _, line in ipairs(cells) do
    for i, cell in ipairs(line) do
      widths[i] = math.max(widths[i] or 0, vim.fn.strdisplaywidth(cell))
    end
  end
  local lines = {}
  for _, line in ipairs(cells) do
    local parts = {}
    for i, cell in ipairs(line) do
      parts[i] = pad(cell, widths[i], i > 1)
    end
    table.insert(lines, table.concat(parts, "  "))
  end
  return lines
end

--- The lines the summary window shows for a summary object (pure; no editor state).
function M.render_summary(summary)
  local totals = summary.totals or {}
  local lines = {}
  if summary.scope == "current" then
    local names = vim.tbl_map(function(path)
      return vim.fn.fnamemodify(path, ":t")
    end, summary.workspaces or {})
    table.insert(lines, "Roo Usage — current workspace: " .. table.concat(names, ", "))
  else
    table.insert(lines, "Roo Usage — all workspaces")
  end
  -- JSON null arrives as nil (luanil) or vim.NIL depending on the decoder.
  local function day(value)
    return (value ~= nil and value ~= vim.NIL) and value or nil
  end
  local since, till = day(summary.since), day(summary["until"])
  local period = "all time"
  if since or till then
    period = (since or "…") .. " to " .. (till or "…")
  end
  table.insert(lines, string.format("%s · %s · revision %s", period, summary.timeZone or "?", summary.revision or "?"))
  table.insert(lines, "")

  local uncached = (totals.tokensIn or 0) - (totals.cacheReads or 0) - (totals.cacheWrites or 0)
  local tasks = M.format_count(totals.tasks)
  if (totals.deletedTasks or 0) > 0 then
    tasks = tasks .. string.format(" (%s deleted, still counted)", M.format_count(totals.deletedTasks))
  end
  local requests = M.format_count(totals.requests)
  if (totals.unknownRequests or 0) > 0 then
    requests = requests .. string.format(" (%s with unknown usage)", M.format_count(totals.unknownRequests))
  end
  local facts = {
    { "Cost", M.format_cost(totals.cost) },
    {
      "Tokens in",
      string.format(
        "%s (uncached %s, cache read %s, cache write %s)",
        M.format_count(totals.tokensIn),
        M.format_count(uncached),
        M.format_count(totals.cacheReads),
        M.format_count(totals.cacheWrites)
      ),
    },
    { "Tokens out", M.format_count(totals.tokensOut) },
    { "Tasks", tasks },
    { "Requests", requests },
  }
  for _, fact in ipairs(facts) do
    table.insert(lines, pad(fact[1], 12) .. fact[2])
  end

  local by_mode = table_lines("Mode", summary.byMode, function(row)
    return row.name or row.mode or "?"
  end)
  if #by_mode > 0 then
    table.insert(lines, "")
    vim.list_extend(lines, by_mode)
  end
  if summary.scope ~= "current" then
    local by_workspace = table_lines("Workspace", summary.byWorkspace, function(row)
      return row.name or row.workspace or "?"
    end)
    if #by_workspace > 0 then
      table.insert(lines, "")
      vim.list_extend(lines, by_workspace)
    end
  end
  if #by_mode == 0 then
    table.insert(lines, "")
    table.insert(lines, "No usage recorded yet.")
  end
  table.insert(lines, "")
  table.insert(lines, "q: close")
  return lines
end

--- Shows `lines` in a centred floating window; `q` or <Esc> closes it. Returns buf, win.
function M.open_window(lines)
  local buf = vim.api.nvim_create_buf(false, true)
  local padded = vim.tbl_map(function(line)
    return line == "" and "" or (" " .. line)
  end, lines)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, padded)
  vim.api.nvim_buf_set_option(buf, "modifiable", false)
  vim.api.nvim_buf_set_option(buf, "bufhidden", "wipe")
  vim.api.nvim_buf_set_option(buf, "filetype", "roo_usage")
  local width = 20
  for _, line in ipairs(padded) do
    width = math.max(width, vim.fn.strdisplaywidth(line) + 1)
  end
  width = math.min(width, math.max(20, vim.o.columns - 4))
  local height = math.min(#padded, math.max(3, vim.o.lines - 4))
  local win = vim.api.nvim_open_win(buf, true, {
    relative = "editor",
    width = width,
    height = height,
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
    style = "minimal",
    border = "rounded",
  })
  for _, key in ipairs({ "q", "<Esc>" }) do
    vim.api.nvim_buf_set_keymap(buf, "n", key, "", {
      noremap = true,
      nowait = true,
      silent = true,
      callback = function()
        if vim.api.nvim_win_is_valid(win) then
          vim.api.nvim_win_close(win, true)
        end
      end,
    })
  end
  return buf, win
end

--- `:RooUsage [all|current]`: the summary in a floating window.
function M.show_summary(scope)
  scope = (scope == nil or scope == "") and "all" or scope
  if scope ~= "all" and scope ~= "current" then
    notify("scope must be all or current, not " .. scope, vim.log.levels.ERROR)
    return
  end
  M.summary(scope, function(err, summary)
    if err then
      notify("summary failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    M.open_window(M.render_summary(summary))
  end)
end

--- `:RooUsageRescan`: scan the source folders now.
function M.rescan()
  M.request(M.RESCAN, vim.empty_dict(), function(err, report)
    if err then
      notify("rescan failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    local skipped = type(report.skipped) == "table" and #report.skipped or 0
    local message = string.format(
      "rescanned: %s files read, %s unchanged; %s requests added, %s updated",
      M.format_count(report.filesScanned or 0),
      M.format_count(report.filesUnchanged or 0),
      M.format_count(report.requestsAdded or 0),
      M.format_count(report.requestsUpdated or 0)
    )
    if skipped > 0 then
      message = message .. string.format(" (%d files set aside)", skipped)
    end
    notify(message)
  end)
end

-- Setup -------------------------------------------------------------------------------------

--- Configures the integration, defines the commands and (unless `autostart = false`) starts
--- the server. Options: cmd, storage_dir, sources, scan_default_sources, time_zone,
--- statusline_figure ("all" | "current" | "today"), statusline_prefix, autostart.
function M.setup(opts)
  config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if not FIGURES[config.statusline_figure] then
    notify("statusline_figure must be all, current or today; using all", vim.log.levels.WARN)
    config.statusline_figure = "all"
  end

  vim.api.nvim_create_user_command("RooUsage", function(command)
    M.show_summary(command.args)
  end, {
    nargs = "?",
    desc = "Roo Usage: show the usage summary (all or current workspace)",
    complete = function(lead)
      return vim.tbl_filter(function(scope)
        return scope:sub(1, #lead) == lead
      end, SCOPES)
    end,
  })
  vim.api.nvim_create_user_command("RooUsageRescan", M.rescan, {
    desc = "Roo Usage: scan the source folders now",
  })

  state.augroup = vim.api.nvim_create_augroup("RooUsage", { clear = true })
  vim.api.nvim_create_autocmd("DirChanged", {
    group = state.augroup,
    pattern = "global",
    callback = on_dir_changed,
  })

  if config.autostart then
    M.start()
  end
end

return M
