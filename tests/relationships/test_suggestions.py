"""§8.4 and §8.5: people the caller may know, and dismissing them."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from mutuals.kit.db.database import Database
from mutuals.kit.timestamps import utc_now
from mutuals.models import suggestion_dismissals
from tests.assertions import assert_bare, assert_error, assert_json
from tests.blocks.factories import block
from tests.connections.factories import connect, decline, request, user_body
from tests.factories import Member, ProjectFactory


async def suggested(project: ProjectFactory, caller: Member, **params: Any) -> list[Any]:
    response = await project.call("GET", "/connections/suggestions", caller, params=params)
    assert response.status_code == 200, response.text
    data: list[Any] = response.json()["data"]
    return data


def suggestion(project: ProjectFactory, user: Member, mutuals: list[Member], count: int) -> Any:
    return {
        "user": user_body(project, user),
        "mutualConnectionsCount": count,
        "mutualConnections": [user_body(project, member) for member in mutuals],
    }


async def test_ranked_by_mutuals_then_recency_then_id(project: ProjectFactory) -> None:
    ada = await project.user()
    f1, f2, f3, f4 = [await project.user() for _ in range(4)]
    for friend in (f1, f2, f3, f4):
        await connect(project, ada, friend)
    s_two, s_older, s_newer, s_four = [await project.user() for _ in range(4)]
    await connect(project, f1, s_two)
    await connect(project, f2, s_two)
    await connect(project, f1, s_older)
    await connect(project, f3, s_newer)
    for friend in (f1, f2, f3, f4):
        await connect(project, s_four, friend)

    data = await suggested(project, ada)

    assert data == [
        # Most recent mutual connection first, up to three.
        suggestion(project, s_four, [f4, f3, f2], 4),
        suggestion(project, s_two, [f2, f1], 2),
        suggestion(project, s_newer, [f3], 1),
        suggestion(project, s_older, [f1], 1),
    ]
    assert await suggested(project, ada, limit=2) == data[:2]


async def test_ties_in_count_and_time_go_by_id(project: ProjectFactory) -> None:
    """Two candidates reached through one friend whose connection with Ada is the newer
    edge: both mutual connections are as recent as that, so the id decides."""
    ada, friend = await project.user(), await project.user()
    one, two = await project.user(), await project.user()
    await connect(project, friend, one)
    await connect(project, friend, two)
    await connect(project, ada, friend)
    data = await suggested(project, ada)
    first, second = sorted((one, two), key=lambda member: member.id)
    assert data == [
        suggestion(project, first, [friend], 1),
        suggestion(project, second, [friend], 1),
    ]


async def test_exclusions(project: ProjectFactory) -> None:
    ada, friend = await project.user(), await project.user()
    await connect(project, ada, friend)
    pending_out, pending_in, declined, blocked, blocker, fine = [
        await project.user() for _ in range(6)
    ]
    for member in (pending_out, pending_in, declined, blocked, blocker, fine):
        await connect(project, friend, member)
    await request(project, ada, pending_out)
    await request(project, pending_in, ada)
    await decline(project, declined, ada)
    await block(project, ada, blocked)
    await block(project, blocker, ada)
    stranger = await project.user()  # three hops away: not suggested
    await connect(project, fine, stranger)
    await request(project, friend, await project.user())  # pending: not a hop

    assert await suggested(project, ada) == [suggestion(project, fine, [friend], 1)]


async def test_dismissal_lasts_its_window(project: ProjectFactory) -> None:
    ada, friend, other = [await project.user() for _ in range(3)]
    await connect(project, ada, friend)
    await connect(project, friend, other)
    response = await project.call("DELETE", f"/connections/suggestions/{other.id}", ada)
    assert response.status_code == 204
    assert response.content == b""
    assert await suggested(project, ada) == []
    # Dismissing again renews it; the other user's suggestions are their own.
    response = await project.call("DELETE", f"/connections/suggestions/{other.id}", ada)
    assert response.status_code == 204
    assert [item["user"]["id"] for item in await suggested(project, other)] == [ada.id]

    # 89 days later it is still dismissed; 91 days later it is suggested again.
    database: Database = project.app.state.database
    for days, expected in ((89, []), (91, [suggestion(project, other, [friend], 1)])):
        async with database.transaction() as connection:
            await connection.execute(
                update(suggestion_dismissals)
                .where(suggestion_dismissals.c.project_id == uuid.UUID(project.id))
                .values(dismissed_at=utc_now() - timedelta(days=days))
            )
        assert await suggested(project, ada) == expected


async def test_dismiss_errors_and_odd_targets(project: ProjectFactory) -> None:
    ada = await project.user()
    assert_error(
        await project.call("DELETE", "/connections/suggestions/nope", ada),
        400,
        "connection/invalid-user-id",
    )
    for target in (str(uuid.uuid4()), ada.id):
        response = await project.call("DELETE", f"/connections/suggestions/{target}", ada)
        assert response.status_code == 204
    assert_bare(await project.call("DELETE", f"/connections/suggestions/{ada.id}"), 401)


async def test_limit(project: ProjectFactory) -> None:
    ada, friend = await project.user(), await project.user()
    await connect(project, ada, friend)
    for _ in range(12):
        await connect(project, friend, await project.user())
    assert len(await suggested(project, ada)) == 10
    assert len(await suggested(project, ada, limit=11)) == 11
    assert len(await suggested(project, ada, limit=500)) == 12
    for bad in ("0", "x", "-1"):
        response = await project.call("GET", "/connections/suggestions", ada, params={"limit": bad})
        assert_error(response, 400, "connection/invalid-query")
    assert_json(
        await project.call("GET", "/connections/suggestions", await project.user()),
        200,
        {"data": []},
    )
