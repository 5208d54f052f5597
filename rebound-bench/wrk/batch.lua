-- A Segment batch of BATCH events per request (default 100), unique messageIds.
-- Two loads:
--   default: product views of 50,000 visitors in turn, so each visitor's history grows without end
--     (100-250 views each within minutes): the worst case for the per-person state.
--   SHOPPERS=n [PER_SHOPPER=k, default 20]: arriving shoppers. Each wrk thread has n shoppers browsing
--     at once, their events interleaved; each makes k events (product views; every third shopper adds to
--     cart at step k-1, and every ninth of all shoppers then orders at step k) and never comes back;
--     then the next n arrive. Histories stay short, as on a store.
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
local shoppers = tonumber(os.getenv("SHOPPERS") or "0")
local per_shopper = tonumber(os.getenv("PER_SHOPPER") or "20")
local added = '{"type":"track","event":"Product Added","messageId":"b'
local ordered = '{"type":"track","event":"Order Completed","messageId":"b'
local order_tail = '","properties":{"order_id":"o-'
local order_end = '","products":[{"product_id":"yoga-mat","price":68,"quantity":1}],"revenue":68,"currency":"USD"}}'
-- Event `c` (from 1) of the arriving-shoppers load: its JSON, with this thread's prefix.
local function shopper_event(prefix, c)
  local n = c - 1
  local s = n % shoppers
  local step = math.floor(n / shoppers) % per_shopper
  local visitor = tid .. "-" .. math.floor(n / (shoppers * per_shopper)) .. "-" .. s
  if s % 3 == 0 and step == per_shopper - 2 then
    return added .. tid .. "-" .. c .. middle .. visitor .. tail
  elseif s % 9 == 0 and step == per_shopper - 1 then
    return ordered .. tid .. "-" .. c .. middle .. visitor .. order_tail .. tid .. "-" .. c .. order_end
  end
  return prefix .. c .. middle .. visitor .. tail
end
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
    if shoppers > 0 then
      parts[i] = shopper_event(prefix, counter)
    else
      parts[i] = prefix .. counter .. middle .. (counter % 50000) .. tail
    end
  end
  return wrk.format("POST", wrk.path, wrk.headers, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
