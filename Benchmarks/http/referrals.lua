-- wrk script: POST /v1/referrals with a new messageId and a new child on every request, so
-- every request is a real, durable, routed referral (not an idempotent replay).
-- Environment: CONTINUUM_TOKEN (a partner token), CONTINUUM_TEMPLATE (referral JSON file),
-- CONTINUUM_PREFIX (letters; optional): set apart the messages and children of two wrk runs at
-- once (two routers on one database).

local counter = 0
local threads = {}

-- `thread_id` is a global that setup() gives each thread's own Lua state (thread:set): a
-- `local` of that name here would shadow it, every thread would send the same message ids,
-- and half the requests would be idempotent replays, not durable referrals.
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

local template
local headers

function init(args)
  local file = assert(io.open(os.getenv("CONTINUUM_TEMPLATE"), "r"))
  template = file:read("*a")
  file:close()
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("CONTINUUM_TOKEN"),
  }
end

-- Child names are matched on letters only, so the per-request part of the name is letters.
-- Given and family name both differ per request: children who share a family name and a birth
-- date are possible matches, and a stream of them would measure the matcher's worst case
-- (every referral compared with 200 earlier ones) instead of a council's everyday referral.
local function letters(n)
  local text = ""
  repeat
    text = string.char(97 + n % 26) .. text
    n = math.floor(n / 26)
  until n == 0
  return text
end

function request()
  counter = counter + 1
  local prefix = os.getenv("CONTINUUM_PREFIX") or ""
  local id = "WRK-" .. prefix .. thread_id .. "-" .. counter
  local name = "Bench" .. prefix .. letters(thread_id) .. "x" .. letters(counter)
  local family = "Family" .. prefix .. letters(thread_id) .. "x" .. letters(counter)
  local body = template:gsub("__MESSAGE_ID__", id):gsub("__GIVEN_NAME__", name):gsub("__FAMILY_NAME__", family)
  return wrk.format("POST", "/v1/referrals", headers, body)
end
