-- appended to each load's script: one parseable line with what a round needs, statuses counted by every thread
local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  local codes = {}
  for status, count in pairs(total) do codes[#codes + 1] = status .. ":" .. count end
  table.sort(codes)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f timeouts=%d statuses=%s\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.timeout, table.concat(codes, ",")))
end
