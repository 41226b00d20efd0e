from mutuals.kit.errors import error_class

InvalidAuthBody = error_class(400, "auth/invalid-body", "Invalid request body")
NoUserFound = error_class(403, "auth/no-user-found", "No user found with this email")
InvalidCredentials = error_class(
    403, "auth/invalid-credentials", "This account has no password; sign in another way"
)
WrongPassword = error_class(401, "auth/wrong-password", "Wrong password")
RefreshTokenMalformed = error_class(
    403, "auth/refresh-token-malformed", "Refresh token is malformed or expired"
)
RefreshTokenProjectMismatch = error_class(
    403, "auth/refresh-token-project-mismatch", "Refresh token belongs to another project"
)
RefreshTokenMismatch = error_class(
    403, "auth/refresh-token-mismatch", "Refresh token not recognised"
)
RefreshUserNotFound = error_class(403, "auth/no-user-found", "User not found")
TokenReuseDetected = error_class(
    401, "auth/token-reuse-detected", "Refresh token reuse detected; please sign in again"
)
MissingKeys = error_class(403, "auth/missing-keys", "No public key is registered for this project")
InvalidExternalToken = error_class(403, "auth/invalid-token", "Invalid user token")
ExternalProjectMismatch = error_class(
    403, "auth/project-mismatch", "The user token was issued for another project"
)
