"""Lists are iterators that page by cursor: a 250-item list walked whole, sync and async."""

from conftest import Setup
from mutuals_client import AsyncClient, Client

FANS = 250


async def test_iterating_a_250_item_list(
    setup: Setup, service: Client, async_service: AsyncClient
) -> None:
    star = await setup.project.user()
    fans = [await setup.project.user() for _ in range(FANS)]
    for fan in fans:
        await async_service.acting_as(fan.id).follows.follow(star.id)

    walked = [edge.user.id for edge in service.follows.followers(star.id)]  # pages of 20
    assert len(walked) == len(set(walked)) == FANS
    assert set(walked) == {fan.id for fan in fans}
    assert walked[0] == fans[-1].id  # newest first
    walked_async = [
        edge.user.id async for edge in async_service.follows.followers(star.id, page_size=100)
    ]
    assert walked_async == walked
    pages = list(service.follows.followers(star.id, page_size=100).pages())
    assert [len(page.items) for page in pages] == [100, 100, 50]
    assert [page.has_more for page in pages] == [True, True, False]
    # A walk can resume from a page's cursor.
    resumed = service.follows.followers(star.id, page_size=100).pages(pages[1].next_cursor or "")
    assert [edge.user.id for page in resumed for edge in page.items] == walked[200:]
    assert service.follows.followers_count(star.id) == FANS
    assert [edge.user.id for edge in service.acting_as(fans[0].id).follows.my_following()] == [
        star.id
    ]
