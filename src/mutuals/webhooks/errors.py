from mutuals.kit.errors import error_class

InvalidWebhookId = error_class(400, "webhook/invalid-id", "Invalid webhook id")
InvalidWebhookBody = error_class(400, "webhook/invalid-body", "Invalid webhook body")
InvalidWebhookUrl = error_class(400, "webhook/invalid-url", "This URL cannot receive webhooks")
InvalidQuery = error_class(400, "webhook/invalid-query", "Invalid query parameters")
InvalidCursor = error_class(
    400, "webhook/invalid-cursor", "This cursor was changed, or belongs to another list"
)
WebhookForbidden = error_class(
    403, "webhook/forbidden", "Webhooks are managed with a service key, not a user's token."
)
WebhookNotFound = error_class(404, "webhook/not-found", "Webhook not found")
DeliveryNotFound = error_class(404, "webhook/delivery-not-found", "Delivery not found")
