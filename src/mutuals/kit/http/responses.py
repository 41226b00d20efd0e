"""JSON responses rendered by orjson straight from the dicts services build.

Returning a Response skips FastAPI's generic encoder, which walked every value of every
list item and cost more than the database round trip on list endpoints.
"""

from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel


class JsonBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Count(BaseModel):
    count: int
