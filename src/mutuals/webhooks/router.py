"""The endpoints of API.md §9.2 (service key only). Parsing and wiring only; rules live
in service.py."""

from typing import Annotated, Any

from fastapi import Request, Response

from mutuals.auth.access import service_access
from mutuals.auth.errors import CredentialMissingError, CredentialRejectedError
from mutuals.idempotency.route import IdempotentRoute
from mutuals.kit.cursors import Listing, listing
from mutuals.kit.db.request import Transaction
from mutuals.kit.errors import InvalidJson, documented, error_responses
from mutuals.kit.http.errors import validation_errors_as
from mutuals.kit.http.responses import JsonBody
from mutuals.kit.http.routes import DeclaredRouter
from mutuals.kit.ids import IdPath
from mutuals.kit.ratelimit import RateLimitExceededError
from mutuals.projects.errors import InvalidProjectId, ProjectNotFound
from mutuals.webhooks import service
from mutuals.webhooks.errors import (
    DeliveryNotFound,
    InvalidCursor,
    InvalidQuery,
    InvalidWebhookBody,
    InvalidWebhookId,
    InvalidWebhookUrl,
    WebhookForbidden,
    WebhookNotFound,
)
from mutuals.webhooks.schemas import (
    Delivery,
    DeliveryPage,
    Webhook,
    WebhookCreate,
    WebhookPage,
    WebhookUpdate,
    WebhookWithSecret,
)
from mutuals.webhooks.signing import SecretBox

router = DeclaredRouter(
    tags=["webhooks"],
    route_class=validation_errors_as(InvalidWebhookBody, base=IdempotentRoute),
)
ServiceProject = Annotated[Any, service_access("default", WebhookForbidden)]
WebhookListing = Annotated[Listing, listing(InvalidQuery, InvalidCursor)]
ACCESS_ERRORS = (
    InvalidProjectId,
    CredentialMissingError,
    CredentialRejectedError,
    WebhookForbidden,
    ProjectNotFound,
    RateLimitExceededError,
)


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.webhook_box
    return box


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhooks_allow_private)


@router.declare(
    "POST",
    "/webhooks",
    "Subscribe an endpoint of the app's backend to events (secret shown once)",
    documented(
        WebhookWithSecret,
        InvalidWebhookBody,
        InvalidWebhookUrl,
        InvalidJson,
        *ACCESS_ERRORS,
        status=201,
    ),
    status=201,
)
async def create_webhook(
    request: Request, project_id: ServiceProject, connection: Transaction, body: WebhookCreate
) -> JsonBody:
    created = await service.create_webhook(
        connection, project_id, body, _box(request), _allow_private(request)
    )
    return JsonBody(created, status_code=201)


@router.declare(
    "GET",
    "/webhooks",
    "The project's webhooks, newest first",
    documented(WebhookPage, InvalidQuery, InvalidCursor, *ACCESS_ERRORS),
)
async def list_webhooks(
    project_id: ServiceProject, connection: Transaction, listing: WebhookListing
) -> JsonBody:
    return JsonBody(await service.list_webhooks(connection, project_id, listing))


@router.declare(
    "GET",
    "/webhooks/{webhookId}",
    "One webhook",
    documented(Webhook, InvalidWebhookId, WebhookNotFound, *ACCESS_ERRORS),
)
async def get_webhook(
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
) -> JsonBody:
    return JsonBody(await service.get_webhook(connection, project_id, webhookId))


@router.declare(
    "PATCH",
    "/webhooks/{webhookId}",
    "Change a webhook's url, events, description, or pause it (enabled: false)",
    documented(
        Webhook,
        InvalidWebhookId,
        InvalidWebhookBody,
        InvalidWebhookUrl,
        InvalidJson,
        WebhookNotFound,
        *ACCESS_ERRORS,
    ),
)
async def update_webhook(
    request: Request,
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
    body: WebhookUpdate,
) -> JsonBody:
    return JsonBody(
        await service.update_webhook(
            connection, project_id, webhookId, body, _allow_private(request)
        )
    )


@router.declare(
    "DELETE",
    "/webhooks/{webhookId}",
    "Delete a webhook and its delivery log",
    {
        204: {"description": "Deleted; no body"},
        **error_responses(InvalidWebhookId, WebhookNotFound, *ACCESS_ERRORS),
    },
    status=204,
)
async def delete_webhook(
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
) -> Response:
    await service.delete_webhook(connection, project_id, webhookId)
    return Response(status_code=204)


@router.declare(
    "POST",
    "/webhooks/{webhookId}/rotate-secret",
    "A new signing secret (shown once); the old one also signs for 24 hours",
    documented(WebhookWithSecret, InvalidWebhookId, WebhookNotFound, *ACCESS_ERRORS),
)
async def rotate_secret(
    request: Request,
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
) -> JsonBody:
    return JsonBody(await service.rotate_secret(connection, project_id, webhookId, _box(request)))


@router.declare(
    "GET",
    "/webhooks/{webhookId}/deliveries",
    "A webhook's delivery log, newest first",
    documented(
        DeliveryPage,
        InvalidWebhookId,
        InvalidQuery,
        InvalidCursor,
        WebhookNotFound,
        *ACCESS_ERRORS,
    ),
)
async def list_deliveries(
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
    listing: WebhookListing,
) -> JsonBody:
    return JsonBody(await service.list_deliveries(connection, project_id, webhookId, listing))


@router.declare(
    "POST",
    "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    "Send a delivery's event to this webhook again, as a new delivery",
    documented(
        Delivery, InvalidWebhookId, WebhookNotFound, DeliveryNotFound, *ACCESS_ERRORS, status=202
    ),
    status=202,
)
async def redeliver(
    webhookId: IdPath,  # noqa: N803 - the contract's path parameter name
    deliveryId: IdPath,  # noqa: N803 - the contract's path parameter name
    project_id: ServiceProject,
    connection: Transaction,
) -> JsonBody:
    return JsonBody(
        await service.redeliver(connection, project_id, webhookId, deliveryId), status_code=202
    )
