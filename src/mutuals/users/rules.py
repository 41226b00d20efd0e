"""Profile field rules shared by sign-up, profile updates, external users and the CLI."""

import json
import re
from typing import Any

from mutuals.kit.storable import json_problem, text_problem
from mutuals.users.errors import InvalidProfile

USERNAME_PATTERN = re.compile(r"[a-z0-9_.\-]{3,30}")
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the app's job.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 320
MAX_NAME = 100
MAX_BIO = 300
MAX_AVATAR = 2048
MAX_METADATA_BYTES = 10 * 1024
MIN_PASSWORD, MAX_PASSWORD = 8, 128


def string_field(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidProfile(f"{field} must be a string", field=field)
    problem = text_problem(value)
    if problem is not None:
        raise InvalidProfile(f"{field} {problem}", field=field)
    return value


def normalize_email(value: Any) -> str:
    email = string_field(value, "email").strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL_PATTERN.fullmatch(email):
        raise InvalidProfile("email must be a valid email address", field="email")
    return email


def normalize_username(value: Any) -> str:
    username = string_field(value, "username").strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidProfile(
            "username must be 3-30 characters of a-z, 0-9, _, . and -", field="username"
        )
    return username


def check_password(value: Any) -> str:
    password = string_field(value, "password")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidProfile("password must be 8-128 characters", field="password")
    return password


def optional_text(value: Any, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    text = string_field(value, field).strip()
    if len(text) > max_length:
        raise InvalidProfile(f"{field} must be at most {max_length} characters", field=field)
    return text or None


def check_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidProfile("metadata must be an object", field="metadata")
    problem = json_problem(value)
    if problem is not None:
        raise InvalidProfile(f"metadata {problem}", field="metadata")
    if len(json.dumps(value, separators=(",", ":")).encode()) > MAX_METADATA_BYTES:
        raise InvalidProfile("metadata must be at most 10 KB", field="metadata")
    return value


def profile_fields(source: dict[str, Any]) -> dict[str, Any]:
    """Column values for the optional profile fields present in `source`."""
    values: dict[str, Any] = {}
    if "name" in source:
        values["name"] = optional_text(source["name"], "name", MAX_NAME)
    if "username" in source:
        raw = source["username"]
        values["username"] = None if raw is None else normalize_username(raw)
    if "avatar" in source:
        values["avatar"] = optional_text(source["avatar"], "avatar", MAX_AVATAR)
    if "bio" in source:
        values["bio"] = optional_text(source["bio"], "bio", MAX_BIO)
    if "metadata" in source:
        values["metadata"] = check_metadata(source["metadata"])
    return values
