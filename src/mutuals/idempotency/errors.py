from mutuals.kit.errors import error_class

InvalidKey = error_class(
    400,
    "idempotency/invalid-key",
    "Idempotency-Key must be 1 to 255 printable ASCII characters",
)
KeyReused = error_class(
    422,
    "idempotency/key-reused",
    "This Idempotency-Key was used with another method, path or body",
)
RequestInProgress = error_class(
    409,
    "idempotency/in-progress",
    "A request with this Idempotency-Key is still running; retry shortly",
)
