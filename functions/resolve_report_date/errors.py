"""Every error resolve_report_date raises on purpose, by what went wrong. The class name is the error name
Step Functions shows; no Retry matches either: a bad request or a bad setting is final.
"""

from __future__ import annotations

# Step Functions keeps at most 32,768 characters of a failure's cause and cuts the rest ("cause ...
# Maximum length of 32768" for a failed Lambda task and a failed execution alike:
# https://docs.aws.amazon.com/step-functions/latest/apireference/API_LambdaFunctionFailedEventDetails.html
# https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html).
# A refusal (InvalidReportRequest) becomes that cause, next to the error type and the stack trace Lambda adds.
STEP_FUNCTIONS_CAUSE_LIMIT = 32_768
# What a refusal may take of it: enough for the field, what it accepts, the examples and an excerpt;
# far enough below the limit that the cause is never cut and its end (the examples) always survives.
MESSAGE_LIMIT = 1_000


class ConfigurationError(RuntimeError):
    """An environment variable of the function has a value it cannot use (settings.SETTINGS says what it
    may be). The message names the variable, the value and what is allowed."""


class InvalidReportRequest(Exception):
    """The execution input cannot name a report day. The class name is the error Step Functions shows.

    The message is the failed execution's cause. Each message quotes the input through excerpt(); as a
    last guard, one that is still longer than MESSAGE_LIMIT is cut here, keeping its start (the field).
    """

    def __init__(self, message: str) -> None:
        if len(message) > MESSAGE_LIMIT:
            tail = f"... (message cut; {len(message):,} characters)"
            message = message[: MESSAGE_LIMIT - len(tail)] + tail
        super().__init__(message)
