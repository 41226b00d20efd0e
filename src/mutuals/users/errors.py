from mutuals.kit.errors import error_class

InvalidUserParams = error_class(400, "user/invalid-params", "Invalid userId")
UserNotFound = error_class(404, "user/not-found", "User not found")
UserForbidden = error_class(403, "user/unauthorized", "Unauthorized (wrong user for action)")
DuplicateEmail = error_class(409, "DUPLICATE_EMAIL", "Email already in use")
DuplicateUsername = error_class(409, "DUPLICATE_USERNAME", "Username already taken")
InvalidProfile = error_class(400, "auth/invalid-body", "Invalid request body")
# Internal: two first sightings of one external user raced; the loser updates instead.
DuplicateForeignId = error_class(409, "user/duplicate-foreign-id", "User already exists")
