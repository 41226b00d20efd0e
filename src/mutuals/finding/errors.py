from mutuals.kit.errors import error_class

InvalidUsername = error_class(
    400, "user/invalid-username", "username must be 3-30 characters of a-z, 0-9, _, . and -"
)
InvalidSearchBody = error_class(400, "search/invalid-body", "Invalid request body")
