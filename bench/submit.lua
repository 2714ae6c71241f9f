-- wrk script: each request submits a different answered quiz attempt.
-- Lines of the file (path, cookie, CSRF token, tab-separated) are shared out between
-- wrk's threads by position, so no two requests submit the same attempt.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  local index = 0
  local step = tonumber(args[2])
  origin = args[3]
  for line in io.lines(args[1]) do
    if index % step == id then
      local path, cookie, token = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
      table.insert(lines, { path = path, cookie = cookie, token = token })
    end
    index = index + 1
  end
  next_line = 1
  used = 0
  available = #lines
end

function request()
  local item = lines[next_line]
  next_line = next_line % #lines + 1
  used = used + 1
  return wrk.format("POST", item.path, {
    ["Cookie"] = item.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = origin .. item.path,
    ["X-Forwarded-Proto"] = "https",
  }, "csrf_token=" .. item.token)
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local used = thread:get("used")
    local available = thread:get("available")
    if used > available then
      io.write(string.format("REUSED %d of %d\n", used, available))
    end
  end
end
