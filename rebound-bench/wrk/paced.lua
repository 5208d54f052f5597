-- single.lua's request, paced: each connection waits DELAY_MS after every response, so
-- connections × 1000 / DELAY_MS requests per second at most reach the server (wrk has no rate
-- option). Latency is then measured at a known load, without a flood of refused requests.
-- BATCH > 1 sends that many events per request as a Segment batch (POST it to /v1/batch): the same
-- events, carried the way server-side Segment libraries send them.
local counter = 0
local thread_id = 0
local pause = tonumber(os.getenv("DELAY_MS") or "10")
local size = tonumber(os.getenv("BATCH") or "1")
-- Ids unique across wrk runs too (a warm-up and the measured run must not send the same events:
-- a duplicate is dropped by the consumers, so it is not throughput): RUN, or the start second.
local run = os.getenv("RUN") or tostring(os.time())
function setup(thread) thread:set("tid", run .. "-" .. thread_id); thread_id = thread_id + 1 end
function init(args) counter = 0 end
function delay() return pause end
local function event()
  counter = counter + 1
  return '{"type":"track","event":"ViewContent","messageId":"w' .. tid .. "-" .. counter
    .. '","anonymousId":"v-' .. (counter % 5000) .. '","properties":{"content_ids":["yoga-mat"],"value":68,'
    .. '"currency":"USD"},"context":{"page":{"url":"https://shop.example/products/yoga-mat"}}}'
end
request = function()
  if size <= 1 then
    return wrk.format("POST", wrk.path, wrk.headers, event())
  end
  local parts = {}
  for i = 1, size do parts[i] = event() end
  return wrk.format("POST", wrk.path, wrk.headers, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
