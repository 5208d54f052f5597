-- A Segment batch of BATCH events per request (default 100), unique messageIds.
-- wrk runs on the same 2 cores as the server: the body is built by plain concatenation (a
-- string.format per event cost the load generator a fifth of the machine).
local counter = 0
local thread_id = 0
local size = tonumber(os.getenv("BATCH") or "100")
-- Ids unique across wrk runs too (a warm-up and the measured run must not send the same events:
-- a duplicate is dropped by the consumers, so it is not throughput): RUN, or the start second.
local run = os.getenv("RUN") or tostring(os.time())
function setup(thread) thread:set("tid", run .. "-" .. thread_id); thread_id = thread_id + 1 end
local head = '{"type":"track","event":"Product Viewed","messageId":"b'
local middle = '","anonymousId":"v-'
local tail = '","properties":{"product_id":"yoga-mat","price":68,"currency":"USD"}}'
-- REQUESTS=n: each thread stops after n answers (a fixed load, rebound-bench/burst-bench.sh); 0 or unset: no limit.
local answered = 0
local limit = tonumber(os.getenv("REQUESTS") or "0")
response = function(status, headers, body)
  answered = answered + 1
  if limit > 0 and answered >= limit then wrk.thread:stop() end
end
request = function()
  local parts = {}
  local prefix = head .. tid .. "-"
  for i = 1, size do
    counter = counter + 1
    parts[i] = prefix .. counter .. middle .. (counter % 50000) .. tail
  end
  return wrk.format("POST", wrk.path, wrk.headers, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
