-- POST /api/transform with 100 numbers (W4)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local items = {}
for i = 1, 100 do items[i] = tostring(i * 1.5) end
wrk.body = '{"items": [' .. table.concat(items, ",") .. ']}'
wrk.path = "/api/transform"
