-- GET a visitor's recommendations, paced like paced.lua (each connection waits DELAY_MS after every
-- response). Visitors cycle over v-0 … v-(VISITORS-1), the shoppers recommendations-bench.sh loaded.
-- With BASELINE set, every request is the baseline route instead (PATH_BASE alone).
local counter = 0
local pause = tonumber(os.getenv("DELAY_MS") or "12")
local visitors = tonumber(os.getenv("VISITORS") or "1000")
local base = os.getenv("PATH_BASE")
local baseline = os.getenv("BASELINE")
function init(args) counter = math.random(0, visitors) end
function delay() return pause end
request = function()
  counter = counter + 1
  if baseline then
    return wrk.format("GET", base .. "/recommendations/rules")
  end
  return wrk.format("GET", base .. "/visitors/v-" .. (counter % visitors) .. "/recommendations")
end
