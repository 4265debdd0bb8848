"""The Redis Streams bus's server-side scripts (Lua), sent by SHA.

Each runs atomically on the server: one command to encode and one reply to parse
per batch, instead of a command per stream or per decision.
"""

from __future__ import annotations

from hashlib import sha1

# Idempotent publish of a batch in one atomic step: per decision, the marker and the
# XADD go together, and a decision whose marker exists is skipped. KEYS[1] stream,
# KEYS[2..] one marker per decision; ARGV[1] marker TTL ms, ARGV[2] MAXLEN, then per
# decision: the number of field/value items, those items. Returns how many were added.
PUBLISH_ONCE = """
local added, at = 0, 3
for i = 2, #KEYS do
  local n = tonumber(ARGV[at])
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                          unpack(ARGV, at + 1, at + n))
    redis.call('SET', KEYS[i], id, 'PX', ARGV[1])
    added = added + 1
  end
  at = at + 1 + n
end
return added
"""

# Acknowledge, publish, then read every input stream for one consumer without
# blocking, and note each stream's last id. KEYS: the ARGV[1] input streams, then (if
# publishing) the decision stream and one marker per decision. ARGV[1] number of
# streams, ARGV[2] consumer, ARGV[3] count, then per stream: its group, the id of the
# newest entry the consumer has seen on it, the number of ids to acknowledge, those
# ids; then, if publishing, the rest as for PUBLISH_ONCE (marker TTL ms, MAXLEN, per
# decision its items). Returns {added, per stream {entries, last id}, the server's
# clock in ms}: the clock that stamps entry ids, read after the streams, so an entry
# written later is never older than it.
#
# Each stream is read in two steps: first this consumer's own pending entries newer
# than the newest it has seen, then new ones ('>'). The first step is empty unless an
# earlier read was executed while its reply was lost (the connection reset or timed
# out, the request still in flight) or the consumer claimed entries newer than it has
# seen (those it already holds, and drops again): entries delivered to this consumer
# unseen come back here, before anything newer. A stale request that runs after this
# one only delivers entries newer than these, which the next read returns the same
# way, so entries always reach the consumer in order.
READ_ALL = """
local streams = tonumber(ARGV[1])
local want = tonumber(ARGV[3])
local groups, seen, at = {}, {}, 4
for i = 1, streams do
  local acks = tonumber(ARGV[at + 2])
  groups[i], seen[i] = ARGV[at], ARGV[at + 1]
  if acks > 0 then
    redis.call('XACK', KEYS[i], groups[i], unpack(ARGV, at + 3, at + 2 + acks))
  end
  at = at + 3 + acks
end
local added = 0
if #KEYS > streams then
  local ttl, maxlen = ARGV[at], ARGV[at + 1]
  at = at + 2
  for i = streams + 2, #KEYS do
    local n = tonumber(ARGV[at])
    if redis.call('EXISTS', KEYS[i]) == 0 then
      local id = redis.call('XADD', KEYS[streams + 1], 'MAXLEN', '~', maxlen, '*',
                            unpack(ARGV, at + 1, at + n))
      redis.call('SET', KEYS[i], id, 'PX', ttl)
      added = added + 1
    end
    at = at + 1 + n
  end
end
local out = {}
for i = 1, streams do
  local entries = {}
  local own = redis.call('XREADGROUP', 'GROUP', groups[i], ARGV[2], 'COUNT', want,
                         'STREAMS', KEYS[i], seen[i])
  if own and own[1] then
    for _, e in ipairs(own[1][2]) do entries[#entries + 1] = e end
  end
  if #entries < want then
    local got = redis.call('XREADGROUP', 'GROUP', groups[i], ARGV[2],
                           'COUNT', want - #entries, 'STREAMS', KEYS[i], '>')
    if got then
      for _, e in ipairs(got[1][2]) do entries[#entries + 1] = e end
    end
  end
  local tail = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
  out[i] = {entries, tail[1] and tail[1][1] or '0-0'}
end
local now = redis.call('TIME')
return {added, out, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)}
"""


def sha(script: str) -> str:
    return sha1(script.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


PUBLISH_SHA, READ_ALL_SHA = sha(PUBLISH_ONCE), sha(READ_ALL)
