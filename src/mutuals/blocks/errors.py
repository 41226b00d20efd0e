from mutuals.kit.errors import error_class

InvalidUserId = error_class(400, "block/invalid-user-id", "Invalid userId")
InvalidQuery = error_class(400, "block/invalid-query", "Invalid query parameters")
InvalidCursor = error_class(
    400, "block/invalid-cursor", "This cursor was changed, or belongs to another list"
)
SelfBlock = error_class(400, "block/self-block", "A user cannot block themselves.")
SelfCheck = error_class(400, "block/self-check", "You cannot check whether you block yourself.")
BlockUserNotFound = error_class(404, "block/user-not-found", "User not found")
