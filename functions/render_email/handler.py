"""RenderEmail: turn the day's report model into the email's subject, HTML part and text part, and one chat
message per channel of the report (render_email.chat), from the same view so they cannot disagree.

A thin edge: the event is validated into a RenderRequest (InvalidRenderRequest when it is malformed or
its figures do not reconcile) and render.py does the rest. This function has no settings of
its own: what the report contains (top services, thresholds, budget) is decided by FetchCosts, whose
environment holds those settings, and arrives in the event.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from render_email.render import build_view, render_email, render_messages
from render_email.request import InvalidRenderRequest, RenderRequest

logger = Logger(service="cost-notifier")
# Nothing patched: this function calls no AWS API and makes no HTTP request, and Powertools' default
# (patch_all) would import botocore to patch it, about a quarter of the cold start (docs/decisions/0014).
# The handler is still traced.
tracer = Tracer(service="cost-notifier", patch_modules=[])
metrics = Metrics(namespace="CostNotifier", service="cost-notifier")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)  # the HTML would overflow an X-Ray segment
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = RenderRequest.from_event(event)
    except InvalidRenderRequest as error:
        logger.error("Refusing to render the cost email", extra={"reason": str(error)})
        raise
    logger.append_keys(reportDate=request.report_date.isoformat())

    view = build_view(request.costs, request.first_sent)
    email = render_email(view)
    chat = render_messages(view, request.channels)

    html_bytes = len(email.html.encode("utf-8"))
    metrics.add_metric(name="EmailHtmlBytes", unit=MetricUnit.Bytes, value=html_bytes)
    logger.info(
        "Rendered the cost email",
        extra={
            "subject": email.subject,
            "services": request.costs.service_count,
            "alerts": request.costs.alerts,
            "estimated": request.costs.estimated,
            "resent": request.first_sent is not None,
            "html_bytes": html_bytes,
            "text_bytes": len(email.text.encode("utf-8")),
            "chat": [message["channel"]["name"] for message in chat],
        },
    )
    # The chat messages of the report's channels, which PostToChat posts.
    return {**email.to_state(), "chat": chat}
