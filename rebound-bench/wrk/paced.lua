-- single.lua's request, paced: each connection waits DELAY_MS after every response, so
-- connections × 1000 / DELAY_MS requests per second at most reach the server (wrk has no rate
-- option). Latency is then measured at a known load, without a flood of refused requests.
-- BATCH > 1 sends that many events per request as a Segment batch (POST it to /v1/batch): the same
-- events, carried the way server-side Segment libraries send them.
local counter = 0
local thread_id = 0
local pause = tonumber(os.getenv("DELAY_MS") or "10")
local size = tonumber(os.getenv("BATCH") or "1")
-- Distinct visitors the events cycle through (each thread alike): 5,000 at 20,000 events/s is four
-- product views a second per visitor, whose retained history then grows by hundreds of events a run.
local visitors = tonumber(os.getenv("VISITORS") or "5000")
-- Ids unique across wrk runs too (a warm-up and the measured run must not send the same events:
-- a duplicate is dropped by the consumers, so it is not throughput): RUN, or the start second.
local run = os.getenv("RUN") or tostring(os.time())
function setup(thread) thread:set("tid", run .. "-" .. thread_id); thread_id = thread_id + 1 end
function init(args) counter = 0 end
function delay() return pause end
local function event()
  counter = counter + 1
  return '{"type":"track","event":"ViewContent","messageId":"w' .. tid .. "-" .. counter
    .. '","anonymousId":"v-' .. (counter % visitors) .. '","properties":{"content_ids":["yoga-mat"],"value":68,'
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
