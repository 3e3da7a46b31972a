-- wrk script of bench/bench_web.py: a weighted request mix with per-endpoint latencies.
--
-- The mix comes from a data file (a Lua table written by bench_web.py; its path is in the
-- environment variable YJ_WRK_DATA): endpoints with a name, a weight, headers and either a
-- list of paths (GET, one drawn at random per request) or kind = "ingest" (a JSON batch of
-- readings built per request, POSTed with one of the gateways' API tokens).
--
-- wrk's own latency distribution covers all requests together. For figures per endpoint,
-- each wrk thread runs exactly ONE connection (bench_web.py passes -t N -c N), so a thread's
-- response() always answers the request() it made last: the time between the two, read from
-- CLOCK_MONOTONIC through LuaJIT's ffi, is that request's latency. Each thread keeps a flat
-- array of numbers, latency_us * 1e5 + status * 100 + endpoint index (a table of numbers is
-- what wrk's thread:get copies reliably), and done() writes them, with wrk's summary, to the
-- file named by YJ_WRK_OUT.

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } yj_timespec;
  int clock_gettime(int clk_id, yj_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local now_buf = ffi.new("yj_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_buf)
  return tonumber(now_buf.tv_sec) * 1000000 + math.floor(tonumber(now_buf.tv_nsec) / 1000)
end

local data = dofile(os.getenv("YJ_WRK_DATA"))
local endpoints = data.endpoints
local total_weight = 0
for _, ep in ipairs(endpoints) do total_weight = total_weight + ep.weight end

-- Per-thread state (each thread has its own Lua state).
rec = {}
local sent_at, sent_ep = nil, nil
local thread_no = 0

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

function init(args)
  thread_no = _G.thread_no or 0
  math.randomseed(data.seed + thread_no * 7919)
  for _ = 1, 10 do math.random() end  -- LuaJIT's first draws after seeding are close together
end

local function pick()
  local r = math.random() * total_weight
  for i, ep in ipairs(endpoints) do
    r = r - ep.weight
    if r <= 0 then return i, ep end
  end
  return #endpoints, endpoints[#endpoints]
end

local function ingest_body(ep)
  -- A gateway's batch: ep.batch readings of distinct sensors at the current second, light
  -- rain (0.0–0.4 mm), as a rain gauge network reports between storms.
  local stamp = os.time()
  local parts = {}
  local sensors = data.sensors
  local first = math.random(#sensors)
  for k = 0, ep.batch - 1 do
    local code = sensors[(first + k * 37) % #sensors + 1]
    parts[#parts + 1] = string.format('{"sensor":"%s","ts":%d,"value":%.1f}', code, stamp,
                                      math.random(0, 4) / 10)
  end
  return '{"readings":[' .. table.concat(parts, ",") .. "]}"
end

function request()
  local i, ep = pick()
  sent_ep = i
  local req
  if ep.kind == "ingest" then
    local token = data.tokens[(thread_no % #data.tokens) + 1]
    local headers = {}
    for k, v in pairs(ep.headers) do headers[k] = v end
    headers["Authorization"] = "Bearer " .. token
    req = wrk.format("POST", ep.paths[1], headers, ingest_body(ep))
  else
    req = wrk.format("GET", ep.paths[math.random(#ep.paths)], ep.headers, nil)
  end
  sent_at = now_us()
  return req
end

function response(status, headers, body)
  if sent_at == nil then return end
  local elapsed = now_us() - sent_at
  rec[#rec + 1] = elapsed * 100000 + status * 100 + sent_ep
  sent_at = nil
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("YJ_WRK_OUT"), "w"))
  local e = summary.errors
  out:write(string.format(
    "summary %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    out:write(string.format("wrk_percentile %s %d\n", tostring(p), latency:percentile(p)))
  end
  out:write(string.format("wrk_max %d\n", latency.max))
  for _, thread in ipairs(threads) do
    local records = thread:get("rec")
    local lines = {}
    for _, value in ipairs(records) do
      local ep = value % 100
      local status = math.floor(value / 100) % 1000
      local us = math.floor(value / 100000)
      lines[#lines + 1] = string.format("r %d %d %d", ep, status, us)
    end
    if #lines > 0 then out:write(table.concat(lines, "\n"), "\n") end
  end
  out:close()
end
