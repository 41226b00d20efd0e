"""Every endpoint of the server's OpenAPI document has a client method, and the client
calls nothing the server does not serve."""

import httpx
from mutuals_client.client import routes

HTTP_METHODS = {"get", "post", "patch", "put", "delete"}
PREFIX = "/v7/{projectId}"


async def test_every_openapi_endpoint_has_a_client_method(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    declared = {
        (route.method, route.template if route.scope == "root" else PREFIX + route.template)
        for route in routes()
    }
    assert len(served) > 50
    assert sorted(served - declared) == [], "endpoints without a client method"
    assert sorted(declared - served) == [], "client methods without an endpoint"
    assert len(routes()) == len(declared), "two methods for one endpoint"
