from mutuals.kit.errors import error_class

InvalidRelationshipQuery = error_class(
    400, "relationship/invalid-query", "ids must be 1 to 100 user ids (UUIDs), comma-separated"
)
