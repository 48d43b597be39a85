"""The error names AWS documents for each integration the state machine calls: what its Retry and Catch
rules may name. One table, read by the definition's static checks (tests/unit/test_definition.py) and
by the reachability tests that make each name happen on the embedded runtime
(tests/workflow/test_error_names.py).

Sources:
- Lambda: Step Functions Developer Guide, "Handle transient Lambda service exceptions"
  (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), which names
  Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException and
  Lambda.TooManyRequestsException as the ones to retry.
- DynamoDB (optimized integration): "Call DynamoDB APIs with Step Functions"
  (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html): optimized integrations prefix
  the error with "DynamoDB" (upper-case DB; the SDK integration says "DynamoDb"). The rest is the
  DynamoDB API's error code: PutItem, UpdateItem and GetItem "Errors" and "Common Errors" in the DynamoDB
  API Reference (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html,
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html).
  DynamoDB.AmazonDynamoDBException is the name for an error that carries no code (a lost connection).
- SES v2 (AWS SDK integration): "Use AWS SDK service integrations"
  (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): the error is the
  service name in PascalCase and the exception name; an unmodeled error is <Service>.<Service>Exception.
  Exceptions from the SES API v2 Reference, SendEmail "Errors"
  (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html).
- Step Functions (optimized integration, arn:aws:states:::states:startExecution): "Start a new AWS Step
  Functions state machine from a running execution"
  (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html). Its example retries
  "StepFunctions.ExecutionLimitExceeded", without the suffix; the integration names an error after the
  service and the API exception's class, "StepFunctions.<Code>Exception", as LocalStack's interpreter
  (which moto carries, its error names recorded against AWS) does: the suffixed names are used here.
  Errors from the StartExecution API Reference
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): a name used
  before by a closed execution, or with another input, is ExecutionAlreadyExists; the same name and
  input as a running execution returns that execution. By analogy with Lambda's documented names,
  StepFunctions.AWSStepFunctionsException is an unmodeled error (throttling, 5xx) and
  StepFunctions.SdkClientException no answer: inferred, not documented.
"""

from __future__ import annotations

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
DYNAMODB = (
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::dynamodb:updateItem",
)
SES_SEND = "arn:aws:states:::aws-sdk:sesv2:sendEmail"
START_EXECUTION = "arn:aws:states:::states:startExecution"

# Transient: retrying can succeed. name -> the wire error code that produces it (None: no answer at all).
TRANSIENT = {
    LAMBDA_INVOKE: {
        "Lambda.ServiceException": "ServiceException",
        "Lambda.AWSLambdaException": "AWSLambdaException",
        "Lambda.SdkClientException": "SdkClientException",
        "Lambda.TooManyRequestsException": "TooManyRequestsException",
    },
    **{
        resource: {
            "DynamoDB.ProvisionedThroughputExceededException": "ProvisionedThroughputExceededException",
            "DynamoDB.RequestLimitExceeded": "RequestLimitExceeded",
            "DynamoDB.ThrottlingException": "ThrottlingException",
            "DynamoDB.InternalServerError": "InternalServerError",
            "DynamoDB.AmazonDynamoDBException": None,
        }
        for resource in DYNAMODB
    },
    # Only errors SES returns *before* accepting a message: retrying one of them cannot send twice.
    SES_SEND: {
        "SesV2.TooManyRequestsException": "TooManyRequestsException",
        "SesV2.LimitExceededException": "LimitExceededException",
    },
    # Errors after which the child was not started (or a retry finds it by its name): retrying cannot
    # start a second child.
    START_EXECUTION: {
        "StepFunctions.ExecutionLimitExceededException": "ExecutionLimitExceeded",
        # The Java SDK's names for an unmodeled error (throttling, 5xx) and for no answer, as for Lambda;
        # the embedded runtime produces them by answering with that code, so for these two the test proves
        # the Retry is wired, not AWS's naming.
        "StepFunctions.AWSStepFunctionsException": "AWSStepFunctions",
        "StepFunctions.SdkClientException": "SdkClient",
    },
}

# A function whose work cannot be repeated (post_chat's POST to a webhook, which has no idempotency key) may
# retry only the invoke errors that come before it runs: Lambda throttling the invoke
# (TooManyRequestsException, "The request throughput limit was exceeded": Invoke "Errors",
# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). ServiceException ("The Lambda service
# encountered an internal error") and the SDK's client errors can come after the function ran.
LAMBDA_BEFORE_RUN = {"Lambda.TooManyRequestsException": "TooManyRequestsException"}
UNREPEATABLE_FUNCTIONS = {"${post_chat_function_arn}"}

# Errors the workflow catches on purpose (and never retries).
CAUGHT = {
    **{resource: {"DynamoDB.ConditionalCheckFailedException"} for resource in DYNAMODB},
    # The child of this name ran before (this run's earlier attempt): nothing to start.
    START_EXECUTION: {"StepFunctions.ExecutionAlreadyExistsException"},
}

# SES errors that are final, and the one whose outcome is unknown (SES may have accepted the message):
# neither is retried. A redrive of the unknown one can send twice (docs/reliability.md, "The limit").
SES_FINAL = {
    "SesV2.MessageRejectedException",
    "SesV2.AccountSuspendedException",
    "SesV2.SendingPausedException",
    "SesV2.MailFromDomainNotVerifiedException",
    "SesV2.BadRequestException",
    "SesV2.NotFoundException",
}
SES_UNKNOWN_OUTCOME = "SesV2.SesV2Exception"
