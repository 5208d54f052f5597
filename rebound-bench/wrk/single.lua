-- One Segment track call per request, unique messageId per request (wrk -s single.lua).
local counter = 0
local thread_id = 0
-- Ids unique across wrk runs too (a warm-up and the measured run must not send the same events:
-- a duplicate is dropped by the consumers, so it is not throughput): RUN, or the start second.
local run = os.getenv("RUN") or tostring(os.time())
function setup(thread) thread:set("tid", run .. "-" .. thread_id); thread_id = thread_id + 1 end
function init(args) counter = 0 end
request = function()
  counter = counter + 1
  local body = string.format('{"type":"track","event":"ViewContent","messageId":"w%s-%d","anonymousId":"v-%d","properties":{"content_ids":["yoga-mat"],"value":68,"currency":"USD"},"context":{"page":{"url":"https://shop.example/products/yoga-mat"}}}', tid, counter, counter % 5000)
  return wrk.format("POST", wrk.path, wrk.headers, body)
end
