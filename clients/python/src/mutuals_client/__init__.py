"""mutuals-client: the Python client of mutuals.

Example::

    from mutuals_client import Client

    client = Client("http://127.0.0.1:8000", project_id, service_key=key)
    ada = client.acting_as(ada_id)
    ada.connections.request(grace_id, message="Hi!")
    for edge in ada.follows.followers(grace_id):
        print(edge.user.username)
"""

from mutuals_client import errors, models, webhooks
from mutuals_client._core import UNSET
from mutuals_client.client import AsyncClient, Client
from mutuals_client.errors import (
    APIConnectionError,
    BadRequest,
    Conflict,
    CredentialMissing,
    CredentialRejected,
    Forbidden,
    MutualsError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    Unprocessable,
    WebhookVerificationError,
)
from mutuals_client.pagination import AsyncPager, Page, Pager
from mutuals_client.tokens import MemoryTokenStore, Tokens, TokenStore

__version__ = "0.1.0"

__all__ = [
    "UNSET",
    "APIConnectionError",
    "AsyncClient",
    "AsyncPager",
    "BadRequest",
    "Client",
    "Conflict",
    "CredentialMissing",
    "CredentialRejected",
    "Forbidden",
    "MemoryTokenStore",
    "MutualsError",
    "NotFound",
    "Page",
    "Pager",
    "PayloadTooLarge",
    "RateLimited",
    "ServerError",
    "TokenStore",
    "Tokens",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "WebhookVerificationError",
    "errors",
    "models",
    "webhooks",
]
