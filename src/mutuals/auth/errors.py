from typing import ClassVar

from mutuals.kit.errors import BareCredentialError, error_class


class CredentialMissingError(BareCredentialError):
    """No Bearer credential on an endpoint that needs one."""

    status = 401
    code = "auth/credential-missing"  # never sent: the answer is bare
    message = "Unauthorized"


class CredentialRejectedError(BareCredentialError):
    """A credential was sent and failed: malformed, expired, wrongly signed, of another
    project, a refresh token, a revoked or unknown service key."""

    status = 403
    code = "auth/credential-rejected"  # never sent: the answer is bare
    message = "Forbidden"
    challenge: ClassVar[str] = 'Bearer realm="mutuals", error="invalid_token"'


ActingUserRequired = error_class(
    400,
    "auth/acting-user-required",
    "A service key must name the acting user in actingUserId",
)
# A service key acting for a user who does not exist: answered as any unknown user.
ActingUserNotFound = error_class(404, "user/not-found", "User not found")
