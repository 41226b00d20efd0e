"""§12.4 autocomplete: prefix matching of usernames and name words (any case, any accent),
the caller's graph first, blocks both ways, never the caller."""

from tests.assertions import assert_error
from tests.blocks.factories import block
from tests.connections.factories import connect
from tests.factories import Member, ProjectFactory
from tests.follows.factories import follow


async def suggested(
    project: ProjectFactory, query: str, caller: Member | None = None, **params: str
) -> list[str]:
    """The usernames suggested, in order."""
    response = await project.call(
        "GET", "/users/suggestions", caller, params={"query": query, **params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return [user["username"] for user in body]


async def test_prefix_of_username_or_of_any_name_word(project: ProjectFactory) -> None:
    await project.user(username="jose_m", name="José María Ñúñez")
    await project.user(username="maria", name="Maria Stuart")
    await project.user(username="bob", name="Robert Mariano")
    await project.user(username="amari", name="Someone Else")
    assert set(await suggested(project, "mar")) == {"jose_m", "maria", "bob"}
    # Username matches before name matches; then by followers (all 0 here), then username.
    assert await suggested(project, "mar") == ["maria", "bob", "jose_m"]
    for spelled in ("jose", "JOSE", "José", "@jose", " @JoSé "):
        assert await suggested(project, spelled) == ["jose_m"]
    assert await suggested(project, "nunez") == ["jose_m"]
    assert await suggested(project, "ñúñ") == ["jose_m"]
    assert await suggested(project, "ari") == []  # words are matched from their start
    assert await suggested(project, "maria stu") == ["maria"]
    assert await suggested(project, "maría ñ") == ["jose_m"]


async def test_exact_username_first_then_followers(project: ProjectFactory) -> None:
    ann = await project.user(username="ann", name="Zed")
    annabel = await project.user(username="annabel", name="Annabel Lee")
    anna = await project.user(username="anna_k", name="Anna Karenina")
    fans = [await project.user(username=f"fan{i}", name="Fan") for i in range(3)]
    for fan in fans:
        await follow(project, fan, anna)
    await follow(project, fans[0], annabel)
    # "ann" is exactly ann's username; the others by followers: anna_k (3), annabel (1).
    assert await suggested(project, "ann") == ["ann", "anna_k", "annabel"]
    assert await suggested(project, "anna") == ["anna_k", "annabel"]
    assert ann.username == "ann"


async def test_the_callers_graph_comes_first(project: ProjectFactory) -> None:
    me = await project.user(username="me_myself", name="Sam Caller")
    # Five users matching "sa", each related to me in one way, plus a stranger with
    # more followers than any of them.
    connected = await project.user(username="sa_connected", name="A")
    followed = await project.user(username="sa_followed", name="B")
    follower = await project.user(username="sa_follower", name="C")
    mutual_two = await project.user(username="sa_mutual2", name="D")
    mutual_one = await project.user(username="sa_mutual1", name="E")
    stranger = await project.user(username="sa_stranger", name="F")
    others = [await project.user(username=f"other{i}", name="X") for i in range(4)]
    await connect(project, me, connected)
    await follow(project, me, followed)
    await follow(project, follower, me)
    # Two of my connections are connected with mutual_two, one with mutual_one.
    friend_a, friend_b = others[0], others[1]
    await connect(project, me, friend_a)
    await connect(project, me, friend_b)
    await connect(project, friend_a, mutual_two)
    await connect(project, friend_b, mutual_two)
    await connect(project, friend_a, mutual_one)
    for other in others:
        await follow(project, other, stranger)
    expected = [
        "sa_connected",
        "sa_followed",
        "sa_follower",
        "sa_mutual2",
        "sa_mutual1",
        "sa_stranger",
    ]
    assert await suggested(project, "sa", me) == expected
    # Anonymous: everyone in one group, most followed first, the caller among them.
    assert (await suggested(project, "sa"))[0] == "sa_stranger"
    assert "me_myself" not in await suggested(project, "me", me)
    assert "me_myself" in await suggested(project, "me")
    # A service key acting for me sees my ranking.
    response = await project.call(
        "GET",
        f"/users/suggestions?query=sa&actingUserId={me.id}",
        headers=project.service_auth,
    )
    assert [user["username"] for user in response.json()] == expected
    assert connected.username == expected[0] and mutual_one.username == expected[4]


async def test_blocks_hide_both_ways(project: ProjectFactory) -> None:
    me = await project.user(username="viewer", name="Vi")
    blocker = await project.user(username="bl_blocker", name="Blo")
    blocked = await project.user(username="bl_blocked", name="Blo")
    bystander = await project.user(username="bl_bystander", name="Blo")
    await block(project, blocker, me)
    await block(project, me, blocked)
    assert await suggested(project, "bl", me) == ["bl_bystander"]
    assert await suggested(project, "blo", me) == ["bl_bystander"]
    assert set(await suggested(project, "bl", bystander)) == {"bl_blocked", "bl_blocker"}
    assert len(await suggested(project, "bl")) == 3


async def test_limit_and_bad_queries(project: ProjectFactory) -> None:
    for i in range(30):
        await project.user(username=f"lim{i:02d}", name="Lim")
    assert len(await suggested(project, "lim")) == 10
    assert len(await suggested(project, "lim", limit="25")) == 25
    assert len(await suggested(project, "lim", limit="3")) == 3
    for params, field in (
        ({}, "query"),
        ({"query": ""}, "query"),
        ({"query": "@"}, "query"),
        ({"query": "x" * 51}, "query"),
        ({"query": "lim", "limit": "0"}, "limit"),
        ({"query": "lim", "limit": "26"}, "limit"),
        ({"query": "lim", "limit": "ten"}, "limit"),
    ):
        response = await project.call("GET", "/users/suggestions", params=params)
        assert_error(response, 400, "user/invalid-params", field=field)


async def test_renames_reach_the_index(project: ProjectFactory) -> None:
    ada = await project.user(username="ada", name="Ada Lovelace")
    assert await suggested(project, "love") == ["ada"]
    renamed = await project.call(
        "PATCH", f"/users/{ada.id}", ada, json={"name": "Ada Byron", "username": "countess"}
    )
    assert renamed.status_code == 200, renamed.text
    assert await suggested(project, "love") == []
    assert await suggested(project, "byr") == ["countess"]
    assert await suggested(project, "ada") == ["countess"]
    assert await suggested(project, "cou") == ["countess"]


async def test_a_user_of_another_project_is_never_suggested(project: ProjectFactory) -> None:
    other = await ProjectFactory.create(project.app, project.client)
    await other.user(username="elsewhere", name="Elsewhere")
    assert await suggested(project, "else") == []
