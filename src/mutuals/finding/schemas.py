from pydantic import BaseModel, Field

from mutuals.kit.http.bodies import RequestBody
from mutuals.users.schemas import User

MAX_SEARCH_QUERY = 100
MAX_SEARCH_LIMIT = 50


class Availability(BaseModel):
    available: bool


class SearchBody(RequestBody):
    query: str = Field(min_length=1, max_length=MAX_SEARCH_QUERY)
    limit: int = Field(default=20, ge=1, le=MAX_SEARCH_LIMIT)


class SearchHit(BaseModel):
    similarity: float = Field(ge=0, le=1)
    record: User
