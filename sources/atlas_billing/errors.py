"""One exception family for everything a user of the connector can act on."""

from __future__ import annotations


class AtlasBillingError(Exception):
    """Base of every error the connector raises on purpose.

    Its message is one line that says what was wrong and how to fix it; the CLI prints it as is.
    """


class ConfigurationError(AtlasBillingError):
    """A setting or command-line input is missing or invalid."""


class AtlasApiError(AtlasBillingError):
    """The API answered with its error envelope, or with a shape the contract rules out."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.endpoint = endpoint
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        details = [
            f"{name}={value}"
            for name, value in (
                ("endpoint", self.endpoint),
                ("status", self.status),
                ("type", self.type),
                ("code", self.code),
                ("param", self.param),
                ("request_id", self.request_id),
            )
            if value is not None
        ]
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)


class ContractViolation(AtlasApiError):
    """A response whose shape breaks the API contract: we stop rather than load a guess."""

    def _render(self) -> str:
        return (
            f"{super()._render()}; the run stops rather than load a guess: run again later, and if"
            " it persists, report the request_id to Atlas Cloud"
        )
