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
# streams, ARGV[2] consumer, ARGV[3] count, then per stream: its group, the number of
# ids to acknowledge, those ids; then, if publishing, the rest as for PUBLISH_ONCE
# (marker TTL ms, MAXLEN, per decision its items). Returns {added, per stream
# {entries, last id}, the server's clock in ms}: the clock that stamps entry ids, read
# after the streams, so an entry written later is never older than it.
READ_ALL = """
local streams = tonumber(ARGV[1])
local groups, at = {}, 4
for i = 1, streams do
  local acks = tonumber(ARGV[at + 1])
  groups[i] = ARGV[at]
  if acks > 0 then
    redis.call('XACK', KEYS[i], groups[i], unpack(ARGV, at + 2, at + 1 + acks))
  end
  at = at + 2 + acks
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
  local got = redis.call('XREADGROUP', 'GROUP', groups[i], ARGV[2], 'COUNT', ARGV[3],
                         'STREAMS', KEYS[i], '>')
  local tail = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
  out[i] = {got and got[1][2] or {}, tail[1] and tail[1][1] or '0-0'}
end
local now = redis.call('TIME')
return {added, out, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)}
"""


def sha(script: str) -> str:
    return sha1(script.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


PUBLISH_SHA, READ_ALL_SHA = sha(PUBLISH_ONCE), sha(READ_ALL)
