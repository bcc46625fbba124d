-- wrk script: cycle through the paths in the file given after "--"; WRK_HX=1 asks for the
-- htmx results fragment (HX-Request + HX-Target), as the live search does; WRK_COOKIE sends a
-- logged-in session cookie (bench/load.py).
-- Each thread starts at its own share of the list (thread 1 at the top, thread 2 halfway for
-- two threads; WRK_THREADS, default 2): math.random is seeded alike in every thread's Lua
-- state, so a random start had both threads send the same paths. At the end it prints
-- "distinct paths: N", the number of different paths requested in the run.
local paths = {}
local counter = 0
local hx = os.getenv("WRK_HX") == "1"
local cookie = os.getenv("WRK_COOKIE")
local threads = {}
seen = {} -- global: done() reads it from every thread (thread:get)

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  local spread = tonumber(os.getenv("WRK_THREADS") or "") or 2
  counter = math.floor(((id or 1) - 1) % spread * #paths / spread)
end

function request()
  counter = counter + 1
  local n = (counter % #paths) + 1
  seen[n] = true
  local path = paths[n]
  local headers = {}
  if hx then
    headers["HX-Request"] = "true"
    headers["HX-Target"] = "directory-results"
  end
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local union, count = {}, 0
  for _, thread in ipairs(threads) do
    for n, _ in pairs(thread:get("seen") or {}) do
      if not union[n] then
        union[n] = true
        count = count + 1
      end
    end
  end
  io.write(string.format("distinct paths: %d\n", count))
end
