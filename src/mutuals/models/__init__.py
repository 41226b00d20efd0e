"""Tables, one module each; importing this package registers them all on `metadata`."""

from mutuals.models.base import metadata
from mutuals.models.blocks import blocks
from mutuals.models.connections import connections
from mutuals.models.follows import follow_notices, follows
from mutuals.models.idempotency_keys import idempotency_keys
from mutuals.models.instance_settings import instance_settings
from mutuals.models.notifications import app_notifications
from mutuals.models.projects import projects
from mutuals.models.refresh_tokens import refresh_tokens
from mutuals.models.service_keys import service_keys
from mutuals.models.suggestion_dismissals import suggestion_dismissals
from mutuals.models.user_search import user_search_terms, user_search_trigrams
from mutuals.models.users import users
from mutuals.models.webhooks import events, webhook_deliveries, webhooks

__all__ = [
    "app_notifications",
    "blocks",
    "connections",
    "events",
    "follow_notices",
    "follows",
    "idempotency_keys",
    "instance_settings",
    "metadata",
    "projects",
    "refresh_tokens",
    "service_keys",
    "suggestion_dismissals",
    "user_search_terms",
    "user_search_trigrams",
    "users",
    "webhook_deliveries",
    "webhooks",
]
