"""The floor's statements: each hot workload's answer, or each write step's whole change,
in one PostgreSQL statement on the service's own schema.

Shared by the floor's ASGI app (`bench/floor.py`) and its raw write client
(`bench/floor_client.py`), so both do the same database work; the service's own code is
not used, so the floor measures what the database and the HTTP server cost, nothing more.
"""

STATUS = """
SELECT id, requester_id, status, created_at, responded_at FROM connections
WHERE project_id = $1 AND pair_low_id = LEAST($2::uuid, $3::uuid)
  AND pair_high_id = GREATEST($2::uuid, $3::uuid)
"""

COUNT = "SELECT connections_count FROM users WHERE project_id = $1 AND id = $2"

# Page 1 of a user's accepted connections, newest first, with the other side's profile and
# the total from the user's counter.
MY_CONNECTIONS = """
WITH page AS (
  (SELECT id, receiver_id AS other_id, responded_at, created_at FROM connections
   WHERE project_id = $1 AND requester_id = $2 AND status = 'accepted'
   ORDER BY responded_at DESC, id DESC LIMIT $3)
  UNION ALL
  (SELECT id, requester_id, responded_at, created_at FROM connections
   WHERE project_id = $1 AND receiver_id = $2 AND status = 'accepted'
   ORDER BY responded_at DESC, id DESC LIMIT $3)
  ORDER BY responded_at DESC, id DESC LIMIT $3
)
SELECT (SELECT connections_count FROM users WHERE project_id = $1 AND id = $2) AS total,
  page.id, page.responded_at, page.created_at,
  u.id AS user_id, u.foreign_id, u.project_id, u.name, u.username, u.avatar, u.bio,
  u.metadata, u.reputation, u.created_at AS user_created_at
FROM page JOIN users u ON u.project_id = $1 AND u.id = page.other_id
ORDER BY page.responded_at DESC, page.id DESC
"""

PENDING_RECEIVED = """
WITH page AS (
  SELECT id, requester_id, message, created_at FROM connections
  WHERE project_id = $1 AND receiver_id = $2 AND status = 'pending'
  ORDER BY created_at DESC, id DESC LIMIT $3
)
SELECT (SELECT count(*) FROM connections
        WHERE project_id = $1 AND receiver_id = $2 AND status = 'pending') AS total,
  page.id, page.message, page.created_at,
  u.id AS user_id, u.foreign_id, u.project_id, u.name, u.username, u.avatar, u.bio,
  u.metadata, u.reputation, u.created_at AS user_created_at
FROM page JOIN users u ON u.project_id = $1 AND u.id = page.requester_id
ORDER BY page.created_at DESC, page.id DESC
"""

# $1 project, $2 new connection id, $3 requester, $4 receiver, $5 message, $6 now,
# $7 notification id, $8 notification metadata, $9 and $10 event ids, $11 and $12 payloads.
REQUEST = """
WITH made AS (
  INSERT INTO connections (project_id, id, requester_id, receiver_id, pair_low_id,
                           pair_high_id, status, message, created_at)
  SELECT $1, $2, $3, $4, LEAST($3::uuid, $4::uuid), GREATEST($3::uuid, $4::uuid),
         'pending', $5, $6
  WHERE EXISTS (SELECT 1 FROM users WHERE project_id = $1 AND id = $4)
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE project_id = $1
                    AND ((blocker_id = $3 AND blocked_id = $4)
                      OR (blocker_id = $4 AND blocked_id = $3)))
  ON CONFLICT DO NOTHING
  RETURNING id
), noticed AS (
  INSERT INTO app_notifications (project_id, id, user_id, type, action, is_read, metadata,
                                 created_at, updated_at)
  SELECT $1, $7, $4, 'connection-request', 'open-profile', false, $8::jsonb, $6, $6 FROM made
), recorded AS (
  INSERT INTO events (project_id, id, type, payload, created_at)
  SELECT $1::uuid, $9::uuid, 'connection.requested', $11::text, $6::timestamptz FROM made
  UNION ALL
  SELECT $1::uuid, $10::uuid, 'notification.created', $12::text, $6::timestamptz FROM made
)
SELECT id FROM made
"""

# $1 project, $2 connection id, $3 receiver (the caller), $4 now, $5 notification id,
# $6 notification metadata, $7 and $8 event ids, $9 and $10 payloads.
ACCEPT = """
WITH accepted AS (
  UPDATE connections SET status = 'accepted', responded_at = $4
  WHERE project_id = $1 AND id = $2 AND receiver_id = $3 AND status = 'pending'
  RETURNING id, requester_id, receiver_id
), counted AS (
  UPDATE users SET connections_count = connections_count + 1
  WHERE project_id = $1
    AND id IN (SELECT requester_id FROM accepted UNION ALL SELECT receiver_id FROM accepted)
), noticed AS (
  INSERT INTO app_notifications (project_id, id, user_id, type, action, is_read, metadata,
                                 created_at, updated_at)
  SELECT $1, $5, requester_id, 'connection-accepted', 'open-profile', false, $6::jsonb, $4, $4
  FROM accepted
), recorded AS (
  INSERT INTO events (project_id, id, type, payload, created_at)
  SELECT $1::uuid, $7::uuid, 'connection.accepted', $9::text, $4::timestamptz FROM accepted
  UNION ALL
  SELECT $1::uuid, $8::uuid, 'notification.created', $10::text, $4::timestamptz FROM accepted
)
SELECT id FROM accepted
"""

# $1 project, $2 connection id, $3 the caller (either side), $4 event id, $5 payload, $6 now.
REMOVE = """
WITH removed AS (
  DELETE FROM connections
  WHERE project_id = $1 AND id = $2 AND (requester_id = $3 OR receiver_id = $3)
    AND (status = 'accepted' OR requester_id = $3)
  RETURNING id, requester_id, receiver_id, status
), counted AS (
  UPDATE users SET connections_count = connections_count - 1
  WHERE project_id = $1
    AND id IN (SELECT requester_id FROM removed WHERE status = 'accepted'
               UNION ALL SELECT receiver_id FROM removed WHERE status = 'accepted')
), recorded AS (
  INSERT INTO events (project_id, id, type, payload, created_at)
  SELECT $1, $4, 'connection.removed', $5, $6 FROM removed
)
SELECT id FROM removed
"""

# The writer's reset between runs: whatever record the pair has, gone (counters included).
REMOVE_BETWEEN = """
WITH removed AS (
  DELETE FROM connections
  WHERE project_id = $1 AND pair_low_id = LEAST($2::uuid, $3::uuid)
    AND pair_high_id = GREATEST($2::uuid, $3::uuid)
  RETURNING requester_id, receiver_id, status
)
UPDATE users SET connections_count = connections_count - 1
WHERE project_id = $1
  AND id IN (SELECT requester_id FROM removed WHERE status = 'accepted'
             UNION ALL SELECT receiver_id FROM removed WHERE status = 'accepted')
"""
