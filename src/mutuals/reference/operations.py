"""Every operation of the API as its reference shows it: a camelCase operationId, who may
call it and what it changes (from API.md), and which credential it takes.

One table for the whole API, so the document reads as one and a test can walk it: an
endpoint missing here fails that test.
"""

from dataclasses import dataclass
from typing import Literal

# user: an access token, or a service key with actingUserId; service: the service key;
# public: no credential needed (one sent must be valid); none: no credential read at all.
Access = Literal["user", "service", "public", "none"]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    access: Access
    description: str


V7 = "/v7/{projectId}"

OPERATIONS: dict[tuple[str, str], Operation] = {
    # Identity (§3)
    ("POST", V7 + "/auth/sign-up"): Operation(
        "signUp",
        "none",
        "Creates a user with an email and a password (argon2id) and signs them in: answers an "
        "access token (30 minutes) and a refresh token (30 days). Emits `user.created`.",
    ),
    ("POST", V7 + "/auth/sign-in"): Operation(
        "signIn", "none", "Signs a user in with email and password; answers like sign-up."
    ),
    ("POST", V7 + "/auth/request-new-access-token"): Operation(
        "refreshAccessToken",
        "none",
        "Exchanges a refresh token for a new access token and its successor refresh token "
        "(rotation). A token presented again within 30 seconds answers the same successor "
        "(two tabs racing); later, reuse revokes the whole family.",
    ),
    ("POST", V7 + "/auth/sign-out"): Operation(
        "signOut", "none", "Revokes the refresh token's whole family. Always 204."
    ),
    ("POST", V7 + "/auth/verify-external-user"): Operation(
        "verifyExternalUser",
        "none",
        "Signs in a user of the app's own backend from an RS256 JWT it signed (`sub` is the "
        "app's user id, `iss` the project): creates the user on first sight, updates changed "
        "profile fields after.",
    ),
    # Users (§3.6)
    ("GET", V7 + "/users/{userId}"): Operation(
        "getUser",
        "public",
        "A user's public profile; the caller's own record adds the account fields. A user "
        "who blocks the caller does not exist for them.",
    ),
    ("PATCH", V7 + "/users/{userId}"): Operation(
        "updateUser",
        "user",
        "Changes the caller's own profile (or any user's, with the service key). Emits "
        "`user.updated`.",
    ),
    # Finding users (§12)
    ("GET", V7 + "/users/by-foreign-id"): Operation(
        "getUserByForeignId",
        "public",
        "A user by the app's own id for them (`foreignId`). With the service key and "
        "`createIfNotFound=true` the user is created when absent (201); concurrent creations "
        "of one foreign id create one user, the others answer it (200).",
    ),
    ("GET", V7 + "/users/by-username"): Operation(
        "getUserByUsername",
        "public",
        "A user by username, in any case, a leading `@` ignored. A user who blocks the "
        "caller does not exist for them.",
    ),
    ("GET", V7 + "/users/check-username"): Operation(
        "checkUsernameAvailability",
        "public",
        "Whether a username that follows the sign-up rules is free to take.",
    ),
    ("GET", V7 + "/users/suggestions"): Operation(
        "getUserSuggestions",
        "public",
        "Autocomplete over usernames and the words of names, case- and accent-insensitive, "
        "as a bare array. For a signed-in caller: connections, then users they follow, their "
        "followers, users sharing the most connections with them, then everyone else; never "
        "the caller, never anyone blocked either way. Index-backed.",
    ),
    ("POST", V7 + "/search/users"): Operation(
        "searchUsers",
        "public",
        "Typo-tolerant search of usernames and names (trigram similarity 0-1), most similar "
        "first, ties ranked as suggestions are. Index-backed.",
    ),
    # Relationships and discovery (§8)
    ("GET", V7 + "/relationships"): Operation(
        "getRelationships",
        "user",
        "How the caller relates to up to 100 users, in the order given, in one call: "
        "connection state, follows both ways, own block, mutual connection count. Unknown "
        "users and users who block the caller answer `found: false`.",
    ),
    ("GET", V7 + "/users/{userId}/mutual-connections"): Operation(
        "listMutualConnections",
        "user",
        "The caller's accepted connections who are also connected to the user, newest first.",
    ),
    ("GET", V7 + "/users/{userId}/known-followers"): Operation(
        "listKnownFollowers",
        "user",
        "Followers of the user whom the caller follows, newest follow first.",
    ),
    ("GET", V7 + "/connections/suggestions"): Operation(
        "listConnectionSuggestions",
        "user",
        "People the caller may know: two accepted hops away, ranked by mutual connections; "
        "never the caller, anyone with a record with the caller, blocks or dismissed users.",
    ),
    ("DELETE", V7 + "/connections/suggestions/{userId}"): Operation(
        "dismissConnectionSuggestion",
        "user",
        "Stops suggesting the user to the caller for 90 days (configurable).",
    ),
    # Connections (§2)
    ("POST", V7 + "/users/{userId}/connection"): Operation(
        "requestConnection",
        "user",
        "Asks the user to connect, with an optional note. In the same transaction the "
        "receiver gets a `connection-request` notification and `connection.requested` is "
        "emitted. At most one record per pair of users, however many requests race.",
    ),
    ("GET", V7 + "/users/{userId}/connection"): Operation(
        "getConnectionStatus",
        "user",
        "The record between the caller and the user, from the caller's side: none, pending "
        "(sent or received), connected or declined.",
    ),
    ("DELETE", V7 + "/users/{userId}/connection"): Operation(
        "removeConnectionWithUser",
        "user",
        "Withdraws the caller's pending request, declines one received, or disconnects an "
        "accepted connection, whichever the record calls for (`action` says which).",
    ),
    ("GET", V7 + "/users/{userId}/connections"): Operation(
        "listUserConnections",
        "public",
        "A user's accepted connections, newest first, searchable by username or name.",
    ),
    ("GET", V7 + "/users/{userId}/connections-count"): Operation(
        "countUserConnections", "public", "How many accepted connections a user has."
    ),
    ("GET", V7 + "/connections"): Operation(
        "listMyConnections", "user", "The caller's accepted connections, newest first."
    ),
    ("GET", V7 + "/connections/count"): Operation(
        "countMyConnections", "user", "How many accepted connections the caller has."
    ),
    ("GET", V7 + "/connections/pending/sent"): Operation(
        "listSentConnectionRequests",
        "user",
        "Pending requests the caller sent, newest first.",
    ),
    ("GET", V7 + "/connections/pending/received"): Operation(
        "listReceivedConnectionRequests",
        "user",
        "Pending requests the caller received, newest first.",
    ),
    ("PATCH", V7 + "/connections/{connectionId}/accept"): Operation(
        "acceptConnection",
        "user",
        "Accepts a pending request; only its receiver may. The requester gets a "
        "`connection-accepted` notification in the same transaction.",
    ),
    ("PATCH", V7 + "/connections/{connectionId}/decline"): Operation(
        "declineConnection",
        "user",
        "Declines a pending request; only its receiver may. The requester may not ask again; "
        "the one who declined may.",
    ),
    ("DELETE", V7 + "/connections/{connectionId}"): Operation(
        "removeConnection",
        "user",
        "Withdraws a pending request (its requester only) or ends an accepted connection "
        "(either party). An unread request notification goes with a withdrawn request.",
    ),
    # Follows (§6)
    ("POST", V7 + "/users/{userId}/follow"): Operation(
        "followUser",
        "user",
        "Follows the user (one-way, no consent). Counters change in the same transaction; "
        "the user gets a `new-follow` notification at most once a day per follower.",
    ),
    ("GET", V7 + "/users/{userId}/follow"): Operation(
        "getFollowStatus", "user", "Whether the caller follows the user, and since when."
    ),
    ("DELETE", V7 + "/users/{userId}/follow"): Operation(
        "unfollowUser", "user", "Stops following the user."
    ),
    ("DELETE", V7 + "/follows/{followId}"): Operation(
        "deleteFollow", "user", "Deletes a follow by its id; only its follower may."
    ),
    ("GET", V7 + "/users/{userId}/followers"): Operation(
        "listUserFollowers",
        "public",
        "Who follows the user, newest first; page 1 costs the same for 10 or 1,000,000.",
    ),
    ("GET", V7 + "/users/{userId}/followers-count"): Operation(
        "countUserFollowers", "public", "How many users follow the user."
    ),
    ("GET", V7 + "/follows/followers"): Operation(
        "listMyFollowers", "user", "Who follows the caller, newest first."
    ),
    ("GET", V7 + "/follows/followers-count"): Operation(
        "countMyFollowers", "user", "How many users follow the caller."
    ),
    ("GET", V7 + "/users/{userId}/following"): Operation(
        "listUserFollowing", "public", "Whom the user follows, newest first."
    ),
    ("GET", V7 + "/users/{userId}/following-count"): Operation(
        "countUserFollowing", "public", "How many users the user follows."
    ),
    ("GET", V7 + "/follows/following"): Operation(
        "listMyFollowing", "user", "Whom the caller follows, newest first."
    ),
    ("GET", V7 + "/follows/following-count"): Operation(
        "countMyFollowing", "user", "How many users the caller follows."
    ),
    # Blocks (§7)
    ("POST", V7 + "/users/{userId}/block"): Operation(
        "blockUser",
        "user",
        "Blocks the user, silently. In the same transaction follows both ways and any "
        "connection record between the two are deleted; from then on each is invisible to "
        "the other everywhere. Blocking again answers the existing block. Blocking back "
        "someone who blocks the caller is a block of its own, answered as any other; the "
        "two stay apart until both blocks are lifted.",
    ),
    ("DELETE", V7 + "/users/{userId}/block"): Operation(
        "unblockUser", "user", "Lifts the caller's block (204 even if there was none)."
    ),
    ("GET", V7 + "/users/{userId}/block"): Operation(
        "getBlockStatus",
        "user",
        "Whether the caller blocks the user (never whether the user blocks the caller).",
    ),
    ("GET", V7 + "/blocks"): Operation(
        "listMyBlocks", "user", "The users the caller blocks, newest first."
    ),
    # Notifications (§4)
    ("GET", V7 + "/app-notifications"): Operation(
        "listNotifications", "user", "The caller's notifications, newest first."
    ),
    ("GET", V7 + "/app-notifications/count"): Operation(
        "countUnreadNotifications", "user", "How many of the caller's notifications are unread."
    ),
    ("PATCH", V7 + "/app-notifications/mark-all-as-read"): Operation(
        "markAllNotificationsAsRead", "user", "Marks every unread notification of the caller read."
    ),
    ("PATCH", V7 + "/app-notifications/{notificationId}/mark-as-read"): Operation(
        "markNotificationAsRead", "user", "Marks one of the caller's notifications read."
    ),
    # Webhooks (§9)
    ("POST", V7 + "/webhooks"): Operation(
        "createWebhook",
        "service",
        "Subscribes an https endpoint to events (or `*`). The signing secret is in this answer "
        "only. Events committed from now on are delivered at least once, signed.",
    ),
    ("GET", V7 + "/webhooks"): Operation("listWebhooks", "service", "The project's webhooks."),
    ("GET", V7 + "/webhooks/{webhookId}"): Operation(
        "getWebhook", "service", "One webhook (without its secret)."
    ),
    ("PATCH", V7 + "/webhooks/{webhookId}"): Operation(
        "updateWebhook", "service", "Changes a webhook's URL, events, description or enabled state."
    ),
    ("DELETE", V7 + "/webhooks/{webhookId}"): Operation(
        "deleteWebhook", "service", "Deletes a webhook; its pending deliveries are dropped."
    ),
    ("POST", V7 + "/webhooks/{webhookId}/rotate-secret"): Operation(
        "rotateWebhookSecret",
        "service",
        "A new signing secret, shown once; the previous one keeps signing alongside for 24 h.",
    ),
    ("GET", V7 + "/webhooks/{webhookId}/deliveries"): Operation(
        "listWebhookDeliveries",
        "service",
        "The webhook's deliveries, newest first: status, attempts, last answer.",
    ),
    ("POST", V7 + "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): Operation(
        "redeliverWebhookDelivery",
        "service",
        "Queues the delivery's event again for this webhook, as a new delivery sent at once.",
    ),
    # Operations (§5)
    ("GET", "/healthz"): Operation("getHealth", "none", "200 while the process runs."),
    ("GET", "/readyz"): Operation(
        "getReadiness",
        "none",
        "200 when the database answers (and whether the shared rate-limit store does), 503 "
        "otherwise: for load balancers.",
    ),
    ("GET", "/metrics"): Operation(
        "getMetrics",
        "none",
        "Prometheus text, for loopback callers that did not come through a proxy or a caller "
        "presenting MUTUALS_METRICS_TOKEN as a Bearer token; 404 to anyone else.",
    ),
}
