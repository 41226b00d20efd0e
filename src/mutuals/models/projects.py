from sqlalchemy import Column, String, Table, Text, Uuid, text

from mutuals.models.base import JsonDocument, UtcDateTime, metadata

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    # PEM of the RSA key that verifies external-user JWTs signed by the app's backend.
    Column("external_user_public_key", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # Web origins allowed to call the project from a browser (API.md §11), normalised.
    Column("allowed_origins", JsonDocument, nullable=False, server_default=text("'[]'")),
)
