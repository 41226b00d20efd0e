"""The one base of every JSON request body: JSON types are strict (API.md §1).

The framework validates a parsed body in pydantic's lax mode, which would take `"yes"`,
`"true"` or `1` for a boolean and `"5"` for a number. Strict mode takes only the JSON type
the field declares; the route then answers its own invalid-body code. A test walks every
route of the OpenAPI document with a boolean or number field, so a body that does not
derive from this base is found.
"""

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    # Unknown fields (role, status, requesterId, …) are ignored, never applied; bodies
    # that must refuse them say so with extra="forbid".
    model_config = ConfigDict(strict=True, extra="ignore")
