-- wrk script: cycle through the paths in the file given after "--"; WRK_HX=1 asks for the
-- htmx results fragment (HX-Request + HX-Target), as the live search does.
local paths = {}
local counter = 0
local hx = os.getenv("WRK_HX") == "1"

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if hx then
    return wrk.format("GET", path, { ["HX-Request"] = "true", ["HX-Target"] = "directory-results" })
  end
  return wrk.format("GET", path)
end
