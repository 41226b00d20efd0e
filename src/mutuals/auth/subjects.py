"""Whose list or count a request reads, and who is looking: a user named in the path, seen
by whoever calls (anyone may read it), or the caller's own. One list endpoint serves both."""

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Depends

from mutuals.auth.access import CurrentUser, PublicVisitor
from mutuals.kit.errors import AppError
from mutuals.kit.ids import IdPath, parse_id
from mutuals.visibility.filters import Viewer


@dataclass(frozen=True)
class Subject:
    project_id: uuid.UUID
    user_id: uuid.UUID
    viewer: Viewer


def listed_user(invalid_user_id: type[AppError]) -> Any:
    """The user `{userId}` names (`invalid_user_id` when it is no id), seen by the caller."""

    async def resolve(
        userId: IdPath,  # noqa: N803 - the Replyke path parameter name
        visitor: PublicVisitor,
    ) -> Subject:
        user_id = parse_id(userId, invalid_user_id)
        return Subject(visitor.project_id, user_id, Viewer(visitor.user_id))

    return Depends(resolve)


async def _the_caller(caller: CurrentUser) -> Subject:
    return Subject(caller.project_id, caller.user_id, Viewer(caller.user_id))


# The caller's own lists: the caller is both the listed user and the viewer.
THE_CALLER = Depends(_the_caller)
