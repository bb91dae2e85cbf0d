-- Neovim's own LSP client against `lstm-tui lsp`: type into a buffer (Neovim sends incremental
-- didChange), ask for completion at the end of the text and write what came back as JSON.
-- Run by tests/lsp/test_neovim.py: nvim --headless --clean -c "luafile nvim_complete.lua", with
-- LSTM_TUI_NVIM = {"cmd": [...], "typed": ["piece", ...], "out": "result.json", "timeout_ms": N}.
-- Written for the API of Neovim 0.7 (Debian 12's) and later.
local cfg = vim.fn.json_decode(vim.env.LSTM_TUI_NVIM)

local function finish(result)
  local file = assert(io.open(cfg.out, "w"))
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  vim.cmd("enew")
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_option(buf, "filetype", "text")
  local id = vim.lsp.start_client({
    name = "lstm-tui",
    cmd = cfg.cmd,
    root_dir = vim.fn.getcwd(),
    get_language_id = function(_, filetype)
      return filetype == "text" and "plaintext" or filetype
    end,
  })
  vim.lsp.buf_attach_client(buf, id)
  local client = vim.lsp.get_client_by_id(id)
  if not vim.wait(cfg.timeout_ms, function() return client.initialized end, 20) then
    return finish({ error = "the server did not initialize" })
  end
  for _, piece in ipairs(cfg.typed) do -- each piece appended at the end: one didChange each
    local last = vim.api.nvim_buf_line_count(buf) - 1
    local line = vim.api.nvim_buf_get_lines(buf, last, last + 1, true)[1]
    vim.api.nvim_buf_set_text(buf, last, #line, last, #line, vim.split(piece, "\n", true))
  end
  local last = vim.api.nvim_buf_line_count(buf) - 1
  local line = vim.api.nvim_buf_get_lines(buf, last, last + 1, true)[1]
  local _, utf16_column = vim.str_utfindex(line)
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = last, character = utf16_column } }
  local started = vim.loop.hrtime()
  local responses, request_err = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, cfg.timeout_ms)
  local ms = (vim.loop.hrtime() - started) / 1e6
  if not responses then
    return finish({ error = "no answer: " .. tostring(request_err) })
  end
  local items = {}
  for _, response in pairs(responses) do
    if response.err then
      return finish({ error = response.err.message })
    end
    for _, item in ipairs(response.result.items or response.result) do
      table.insert(items, { label = item.label, detail = item.detail, sortText = item.sortText,
                            newText = item.textEdit.newText, range = item.textEdit.range })
    end
  end
  finish({ items = items, position = params.position, ms = ms, encoding = client.offset_encoding,
           text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, true), "\n") })
end)
if not ok then
  finish({ error = tostring(err) })
end
