-- A Segment batch of BATCH events per request (default 100), unique messageIds.
local counter = 0
local thread_id = 0
local size = tonumber(os.getenv("BATCH") or "100")
function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  local parts = {}
  for i = 1, size do
    counter = counter + 1
    parts[i] = string.format('{"type":"track","event":"Product Viewed","messageId":"b%s-%d","anonymousId":"v-%d","properties":{"product_id":"yoga-mat","price":68,"currency":"USD"}}', tid, counter, counter % 50000)
  end
  return wrk.format("POST", wrk.path, wrk.headers, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
