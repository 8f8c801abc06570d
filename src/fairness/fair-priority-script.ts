import { createHash } from "node:crypto";

/**
 * Start-time fair queuing on BullMQ's priorities, decided in one atomic step per enqueue.
 *
 * A flow is a workspace in a lane. Each flow keeps a virtual finish tag; a job of the flow starts
 * at max(V, finish) (bulk: max(V + lag, finish)), ends cost = 1 / weight later, and is added with
 * priority 2 * ceil(end), plus 1 in the bulk lane. BullMQ serves the lowest priority first (ties
 * in arrival order), so flows with work waiting take turns in proportion to their weights,
 * whatever their backlog; at the same virtual time interactive goes before bulk. The odd/even
 * split lets V be read back from any job's priority whatever its lane, at the price of half of
 * BullMQ's range (about a million virtual units).
 *
 * V, the virtual time (in interactive terms), is how far service has come: that of the next job
 * BullMQ will serve (head of the prioritized set) or of the last one it started (head of the
 * active list), whichever is later, and never less than before. Priorities are read from the
 * jobs' hashes, not decoded from BullMQ's scores.
 *
 * While the prioritized set is empty, flows not given a job for FORGET_AFTER_MS are forgotten:
 * their jobs were all added (an add follows its script within milliseconds) and all served, so
 * V moves past their tags. Flows given a job just now are kept: their add may still be on its
 * way, and forgetting them would let a burst of concurrent enqueues all start at V. Once no flow
 * is left and the queue is idle (nothing waiting, delayed or active: no job can come back with
 * an old priority), V returns to 0. It also does when V passes REBASE_AT with no flow left, so a
 * queue that is never idle does not run into BullMQ's largest priority (a retry of a job from
 * before then comes back behind the new work, once).
 *
 * KEYS: 1 prioritized (zset), 2 wait (list), 3 delayed (zset), 4 active (list),
 *       5 fair:clock (hash: v), 6 fair:finish (hash flow -> tag), 7 fair:touched (hash flow -> ms),
 *       8 fair:weights (hash workspace -> weight)
 * ARGV: 1 job key prefix, 2 workspace id, 3 lane, 4 bulk lag, 5 default weight,
 *       6 largest priority, 7 forget after (ms), 8 rebase at
 * Returns { priority, clamped (1 when the tag passed the largest priority) }.
 */
export const FAIR_PRIORITY_LUA = `
local rcall = redis.call
local jobPrefix, workspace, lane = ARGV[1], ARGV[2], ARGV[3]
local lag, defaultWeight = tonumber(ARGV[4]), tonumber(ARGV[5])
local maxPriority, forgetAfter, rebaseAt = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local time = rcall("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Where a job's priority puts it in interactive virtual time: bulk priorities are odd and lag
-- behind. A job without a priority (plain FIFO add) says nothing.
local function virtualTimeOf(jobId)
  if not jobId then return 0 end
  local priority = tonumber(rcall("HGET", jobPrefix .. jobId, "priority")) or 0
  if priority < 2 then return 0 end
  if priority % 2 == 1 then return (priority - 1) / 2 - lag end
  return priority / 2
end

local v = tonumber(rcall("HGET", KEYS[5], "v")) or 0
local head = rcall("ZRANGE", KEYS[1], 0, 0)[1]
v = math.max(v, virtualTimeOf(head), virtualTimeOf(rcall("LINDEX", KEYS[4], 0)))

if not head then
  local touched = rcall("HGETALL", KEYS[7])
  local kept = 0
  for i = 1, #touched, 2 do
    local flow = touched[i]
    if now - tonumber(touched[i + 1]) >= forgetAfter then
      local tag = tonumber(rcall("HGET", KEYS[6], flow)) or 0
      if string.sub(flow, -5) == "|bulk" then tag = tag - lag end
      v = math.max(v, tag)
      rcall("HDEL", KEYS[6], flow)
      rcall("HDEL", KEYS[7], flow)
    else
      kept = kept + 1
    end
  end
  if kept == 0 then
    local idle = rcall("LLEN", KEYS[2]) == 0 and rcall("ZCARD", KEYS[3]) == 0 and rcall("LLEN", KEYS[4]) == 0
    if idle or v >= rebaseAt then
      v = 0
      rcall("DEL", KEYS[6], KEYS[7])
    end
  end
end

local weight = tonumber(rcall("HGET", KEYS[8], workspace)) or defaultWeight
if not weight or weight <= 0 then weight = defaultWeight end
local flow = workspace .. "|" .. lane
local start = v
local laneBit = 0
if lane == "bulk" then
  start = v + lag
  laneBit = 1
end
start = math.max(start, tonumber(rcall("HGET", KEYS[6], flow)) or 0)
local finish = start + 1 / weight
rcall("HSET", KEYS[6], flow, tostring(finish))
rcall("HSET", KEYS[7], flow, now)
rcall("HSET", KEYS[5], "v", tostring(v))

-- A tag a rounding error above a whole number belongs to that number.
local priority = 2 * math.max(1, math.ceil(finish - 1e-9)) + laneBit
if priority > maxPriority then return { maxPriority, 1 } end
return { priority, 0 }
`;

export const FAIR_PRIORITY_SHA = createHash("sha1").update(FAIR_PRIORITY_LUA).digest("hex");
