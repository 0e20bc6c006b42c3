-- POST /fair/transform with 100 numbers
local items = {}
for i = 1, 100 do items[i] = tostring(i * 1.5) end
wrk.method = "POST"
wrk.path = "/fair/transform"
wrk.body = '{"items": [' .. table.concat(items, ",") .. ']}'
wrk.headers["Content-Type"] = "application/json"
