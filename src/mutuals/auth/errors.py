from mutuals.errors import error_class

Unauthorized = error_class(401, "auth/unauthorized", "Unauthorized")
ActingUserRequired = error_class(
    400,
    "auth/acting-user-required",
    "A service key must name the acting user in actingUserId",
)
