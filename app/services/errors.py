"""Domain errors raised by services and turned into field messages (pages) or 400s (REST)."""


class RuleViolation(Exception):
    """A business rule refused the change. `field` names the form field to show it at."""

    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)

    def as_dict(self):
        return {self.field or "_": [self.message]}


def accepts(check, error, value, **kwargs) -> bool:
    """True if check(value, **kwargs) raises no `error` (a code validator's own error)."""
    try:
        check(value, **kwargs)
    except error:
        return False
    return True
