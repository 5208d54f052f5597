-- single.lua's request, paced: each connection waits DELAY_MS after every response, so
-- connections × 1000 / DELAY_MS requests per second at most reach the server (wrk has no rate
-- option). Latency is then measured at a known load, without a flood of refused requests.
local counter = 0
local thread_id = 0
local pause = tonumber(os.getenv("DELAY_MS") or "10")
function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
function init(args) counter = 0 end
function delay() return pause end
request = function()
  counter = counter + 1
  local body = '{"type":"track","event":"ViewContent","messageId":"w' .. tid .. "-" .. counter
    .. '","anonymousId":"v-' .. (counter % 5000) .. '","properties":{"content_ids":["yoga-mat"],"value":68,'
    .. '"currency":"USD"},"context":{"page":{"url":"https://shop.example/products/yoga-mat"}}}'
  return wrk.format("POST", wrk.path, wrk.headers, body)
end
