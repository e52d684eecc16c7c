-- Runs an Argo CD health script the way Argo CD does: the resource is the global `obj`, the script
-- returns a table {status = ..., message = ...}. Usage: lua5.1 harness.lua <health.lua> <object.json>
-- Prints the returned table as JSON on stdout.
local cjson = require("cjson")

local script_path, object_path = arg[1], arg[2]
local file = assert(io.open(object_path, "r"))
local text = file:read("*a")
file:close()

obj = cjson.decode(text)

local script = assert(loadfile(script_path))
-- Argo CD's Lua VM has no io or os: run the script without them so that a script using them fails here.
local encode = cjson.encode
io, os, require, dofile, loadfile = nil, nil, nil, nil, nil
local result = script()
assert(type(result) == "table", "the health script must return a table")
print(encode({status = result.status, message = result.message}))
