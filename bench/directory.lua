-- wrk script: cycle through the paths in the file given after "--"; WRK_HX=1 asks for the
-- htmx results fragment (HX-Request + HX-Target), as the live search does; WRK_COOKIE sends a
-- logged-in session cookie (bench/load.py).
local paths = {}
local counter = 0
local hx = os.getenv("WRK_HX") == "1"
local cookie = os.getenv("WRK_COOKIE")

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
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
