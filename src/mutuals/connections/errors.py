from mutuals.kit.errors import error_class

InvalidReceiverId = error_class(400, "connection/invalid-receiver-id", "Invalid userId")
InvalidUserId = error_class(400, "connection/invalid-user-id", "Invalid userId")
InvalidConnectionId = error_class(400, "connection/invalid-connection-id", "Invalid connectionId")
InvalidMessage = error_class(
    400, "connection/invalid-message", "message must be a string of at most 500 characters"
)
InvalidQuery = error_class(400, "connection/invalid-query", "Invalid query parameters")
InvalidCursor = error_class(
    400, "connection/invalid-cursor", "This cursor was changed, or belongs to another list"
)
SelfRequest = error_class(
    400, "connection/self-request", "You cannot send a connection request to yourself"
)
SelfCheck = error_class(
    400, "connection/self-check", "You cannot check the connection status with yourself"
)
SelfDisconnect = error_class(
    400, "connection/self-disconnect", "You cannot remove a connection with yourself"
)
ConnectionUserNotFound = error_class(404, "connection/user-not-found", "User not found")
RequestPending = error_class(
    409, "connection/request-pending", "A connection request is already pending"
)
AlreadyConnected = error_class(409, "connection/already-connected", "Already connected")
RequestDeclined = error_class(
    409, "connection/request-declined", "Your connection request was declined"
)
ConnectionNotFound = error_class(404, "connection/not-found", "Connection not found")
ConnectionForbidden = error_class(
    403, "connection/unauthorized", "Unauthorized (wrong user for action)"
)
