-- GET /api/projects/<one of the demo's 50 ids> (W1)
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/api/projects/00000000-0000-4000-8000-%012x", math.random(1, 50)))
end
