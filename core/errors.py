class ApplicationError(Exception):
    """A domain rule refused an action; ``message`` is Russian and safe to show to the user."""

    def __init__(self, message: str, *, code: str = "error", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
