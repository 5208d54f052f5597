-- The decision API, paced: GET $DECIDE_PATH&visitor=d-N, each wrk thread walking its own range of
-- VISITORS/THREADS visitor ids (distinct per thread), each connection waiting DELAY_MS after every
-- response (connections × 1000 / DELAY_MS requests per second at most). Counts 2xx and the rest:
-- done() prints "2xx N non-2xx M" so the caller can refuse a run with errors.
local counter = 0
local thread_id = 0
local threads = {}
local pause = tonumber(os.getenv("DELAY_MS") or "10")
local visitors = tonumber(os.getenv("VISITORS") or "10000")
local nthreads = tonumber(os.getenv("THREADS") or "2")
local path = os.getenv("DECIDE_PATH") or "/"
local method = os.getenv("METHOD") or "GET"
function setup(thread)
  thread:set("tid", thread_id)
  table.insert(threads, thread)
  thread_id = thread_id + 1
end
function init(args) counter = 0; ok = 0; bad = 0; math.randomseed(os.time() + tid * 7919) end
-- JITTER=1 draws each pause uniformly from 0 to 2 x DELAY_MS (the same mean): connections that all
-- wait exactly DELAY_MS stay in phase and arrive as one wave per pause, which the server answers in
-- turn; shoppers do not. Unset: the fixed pause.
local jitter = os.getenv("JITTER") == "1"
function delay()
  if jitter then return math.random(0, 2 * pause) end
  return pause
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
request = function()
  counter = counter + 1
  local per = math.floor(visitors / nthreads)
  local v = tid * per + (counter % per)
  if method == "POST" then
    return wrk.format("POST", path, wrk.headers, "")
  end
  return wrk.format("GET", path .. "&visitor=d-" .. v)
end
function done(summary, latency, requests)
  local good, errors = 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    errors = errors + t:get("bad")
  end
  io.write(string.format("2xx %d non-2xx %d\n", good, errors))
end
