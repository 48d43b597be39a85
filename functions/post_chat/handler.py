"""PostToChannel: post one rendered chat message to one channel's webhook (Slack, Microsoft Teams
Workflows, Google Chat, or any webhook that takes JSON), once.

A thin edge: the settings (settings.settings(), read from the environment on first use), the event
validated into a ChatRequest (InvalidChatRequest names the field), then deliver.Delivery posts it. The
state machine runs one PostToChannel per channel and retries the errors errors.py says it retries.

    in:  {"channel": {"name": "finops-slack", "type": "slack"}, "message": {...}}   (secret: CHAT_SECRET_PREFIX + name)
    out: {"channel": "finops-slack", "type": "slack", "httpStatus": 200}

The webhook URL is in the secret and is a credential: no log line, metric, trace or error shows it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from post_chat.deliver import Delivery
from post_chat.request import ChatRequest, secret_prefix
from post_chat.settings import settings

logger = Logger(service="cost-notifier")
# Only botocore is traced, named here rather than left to Powertools' default set: X-Ray's http.client
# patch records each request's URL, cutting only the query (aws_xray_sdk/ext/httplib), and a webhook URL's
# path is its credential. (The default leaves http.client out today, to avoid tracing botocore twice.)
tracer = Tracer(service="cost-notifier", patch_modules=["botocore"])
metrics = Metrics(namespace="CostNotifier", service="cost-notifier")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    try:
        request = ChatRequest.from_event(event, secret_prefix())
        channel = request.channel
        logger.append_keys(channel=channel.name, channelType=channel.type, secret=channel.secret)
        metrics.add_metadata(key="channel", value=channel.name)
        metrics.add_metadata(key="channelType", value=channel.type)
        delivery = Delivery(
            request, settings(), remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000
        )
        status = delivery.run()
    except Exception as error:
        # Counted by error name; the channel's type and name go with it as properties of the record.
        metrics.add_dimension(name="Error", value=type(error).__name__)
        metrics.add_metric(name="ChatPostFailures", unit=MetricUnit.Count, value=1)
        logger.error("The chat message was not posted", extra={"error": type(error).__name__, "reason": str(error)})
        raise
    metrics.add_dimension(name="ChannelType", value=channel.type)
    metrics.add_metric(name="ChatPosts", unit=MetricUnit.Count, value=1)
    logger.info("Posted the chat message", extra={"httpStatus": status, "posts": delivery.posts})
    return {"channel": channel.name, "type": channel.type, "httpStatus": status}
