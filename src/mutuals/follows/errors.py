from mutuals.kit.errors import error_class

InvalidUserId = error_class(400, "follow/invalid-user-id", "Invalid userId")
InvalidFollowId = error_class(400, "follow/invalid-follow-id", "Invalid followId")
InvalidQuery = error_class(400, "follow/invalid-query", "Invalid query parameters")
InvalidCursor = error_class(
    400, "follow/invalid-cursor", "This cursor was changed, or belongs to another list"
)
SelfFollow = error_class(400, "follow/self-follow", "A user cannot follow themselves.")
SelfCheck = error_class(400, "follow/self-check", "You cannot check whether you follow yourself.")
FollowUserNotFound = error_class(
    404, "follow/user-not-found", "One or both users involved in the follow do not exist."
)
AlreadyFollowing = error_class(409, "follow/already-exists", "Follow relationship already exists.")
FollowNotFound = error_class(404, "follow/not-found", "Follow relationship does not exist.")
FollowForbidden = error_class(
    403, "follow/forbidden", "You do not have permission to delete this follow relationship."
)
