"""The one error a channel raises for a failed delivery attempt."""


class DeliveryError(Exception):
    """A failed attempt. `permanent` (a 5xx SMTP answer, a 4xx HTTP answer) means that
    retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent
