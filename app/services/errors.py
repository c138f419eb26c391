"""Domain errors raised by services and turned into field messages (pages) or 400s (REST)."""


class RuleViolation(Exception):
    """A business rule refused the change. `field` names the form field to show it at."""

    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)

    def as_dict(self):
        return {self.field or "_": [self.message]}


class RuleViolations(RuleViolation):
    """Several fields refused at once (a form checked whole): `errors` maps each field to its
    message, in the form's order. `field` is the first; `message` reads every refusal (the
    `summary`, when given, stands for the errors it sums up, e.g. "Missing: …")."""

    def __init__(self, errors: dict, summary=None, summarised=()):
        rest = [message for field, message in errors.items() if field not in summarised]
        super().__init__(next(iter(errors)), "；".join(
            ([str(summary)] if summary else []) + rest))
        self.errors = dict(errors)

    def as_dict(self):
        return {field or "_": [message] for field, message in self.errors.items()}


def accepts(check, error, value, **kwargs) -> bool:
    """True if check(value, **kwargs) raises no `error` (a code validator's own error)."""
    try:
        check(value, **kwargs)
    except error:
        return False
    return True
