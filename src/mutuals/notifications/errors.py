from mutuals.kit.errors import error_class

InvalidNotificationQuery = error_class(
    400, "app-notification/invalid-query", "Invalid query parameters"
)
InvalidNotificationCursor = error_class(
    400, "app-notification/invalid-cursor", "This cursor was changed, or belongs to another list"
)
InvalidNotificationParams = error_class(
    400, "app-notification/invalid-params", "Invalid notificationId"
)
NotificationNotFound = error_class(404, "app-notification/not-found", "Notification not found")
