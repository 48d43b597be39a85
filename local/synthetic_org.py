"""A synthetic AWS organisation: the daily cost line items behind the fake Cost Explorer.

Everything here is a pure function of ``(profile, seed, today, currency)``: the same four inputs give
the same line items, byte for byte, in every process (randomness comes from ``random.Random`` seeded
with a string, which hashes with SHA-512; Python's salted ``hash()`` is never used).

What a line item is
    One row of the bill for one UTC day: (account, service, region, usage type, record type, tag)
    plus its amounts. ``local.cost_explorer`` filters and sums these rows exactly the way Cost
    Explorer sums the Cost and Usage Report, so every grouping adds back up to the ungrouped total.

Profiles
    ``small``      one management account (111111111111), 37 real services.
    ``large-org``  a management account plus 55-75 named member accounts ("<env>-<team>", each in one
                   home region), ~350 services (the real ones first, then plausible generated names),
                   an Enterprise Discount Program.
    ``teams``      a management account plus one production account per team, for ``teams`` teams (10 by
                   default, up to MAX_TEAMS): organisation scale for `make bench-org`. Each team account runs
                   a handful of the real services (TEAM_SERVICES_MIN to TEAM_SERVICES_MAX), at most
                   MEMBER_USAGE_TYPES_PER_SERVICE usage types each, so a day has about 11 lines a team. A
                   team's accounts, services and amounts are drawn from its own random stream: team
                   "payments-1" is the same whether the organisation has 10 teams or 10,000. No discount
                   program. The other profiles ignore ``teams`` and are unchanged by it.

Tags and cost categories
    Every line may carry two cost allocation tags, ``Environment`` and ``team``, and is mapped by one
    cost category, ``Team`` (tag_reader, cost_category_reader; _build_teams says how they are drawn):
    a team report or a per-account report has realistic data, and some cost is untagged or
    uncategorised, as in real organisations. They change no amount.

Daily patterns (both profiles)
    * noise on every usage line; compute-like services dip at weekends, request-driven ones less so;
      storage-like services grow slowly;
    * ``spike_service`` costs SPIKE_MULTIPLIER times its usual amount on ``today - 1`` (the day the
      default daily report covers);
    * ``new_service`` has its first cost on ``today - 3``;
    * credits (RECORD_TYPE "Credit", negative) on the two ``credit_services``;
    * one refund a month (RECORD_TYPE "Refund", negative) on ``refund_service``;
    * the support fee (service "AWS Support (Business)", RECORD_TYPE "Support fee") and tax
      (service "Tax", RECORD_TYPE "Tax") are charged on the 1st of each month, computed from that
      month's usage so far: Cost Explorer shows both as a single amount on the first day of the month;
    * tiny sub-cent services (SNS, SQS, X-Ray, EventBridge) and free-tier ones that cost exactly 0;
    * ``today`` is partial: only PARTIAL_DAY_FRACTION of a normal day has been ingested.

Metrics and how they relate
    UnblendedCost      the line's cost = round(UsageQuantity x unit price), 10 decimal places.
    BlendedCost        = Unblended, except EC2 instance hours in large-org, which carry the account's
                       blended-rate factor (the organisation-averaged rate differs per account).
    AmortizedCost      = Unblended: no Reserved Instances or Savings Plans are modelled, so there is
                       nothing to amortise.
    NetUnblendedCost   Unblended after discounts. large-org has an Enterprise Discount Program
                       (EDP_RATE): each Usage line's net cost is its cost minus its discount, and one
                       "Enterprise Discount Program Discount" line per (account, service, day) carries
                       the negative discount in Unblended and 0 in Net, so Net and Unblended totals
                       agree over any (account, service, day). small has no discount: Net = Unblended.
    NetAmortizedCost   = NetUnblended (no amortisation, see above).
    UsageQuantity      in the usage type's own unit (Hrs, GB-Mo, Requests, ...); 0 for credits,
                       refunds, discounts, tax and support.
    NormalizedUsageAmount  instance hours x the instance size's normalization factor (EC2, RDS,
                       ElastiCache instance hours); 0 for everything else.

Money is Decimal throughout, quantized to AMOUNT_QUANTUM (10 decimal places, Cost Explorer's
precision); no float ever touches an amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import NamedTuple

PROFILES = ("small", "large-org", "teams")

MANAGEMENT_ACCOUNT_ID = "111111111111"

AMOUNT_QUANTUM = Decimal("1E-10")
ZERO = Decimal(0)
# All arithmetic runs in this context, whatever the caller's decimal context is.
DECIMAL_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)

# RECORD_TYPE dimension values, spelled as the Cost Explorer API spells them.
USAGE = "Usage"
CREDIT = "Credit"
REFUND = "Refund"
TAX = "Tax"
SUPPORT_FEE = "Support fee"
EDP_DISCOUNT = "Enterprise Discount Program Discount"
RECORD_TYPES = (USAGE, CREDIT, REFUND, TAX, SUPPORT_FEE, EDP_DISCOUNT)

TAX_SERVICE = "Tax"
SUPPORT_SERVICE = "AWS Support (Business)"
# Charges that belong to no region (tax, support, discounts) carry this REGION value in CE.
NO_REGION = "NoRegion"
GLOBAL_REGION = "global"

# Cost allocation tags and the cost category every line is read with (see SyntheticOrganisation._build_teams).
ENVIRONMENT_TAG_KEY = "Environment"
TEAM_TAG_KEY = "team"
TEAM_COST_CATEGORY = "Team"
SMALL_TEAMS = ("platform", "payments", "data")
UNTAGGED_SHARE = 0.15

# How much of a normal day Cost Explorer has ingested for `today` (it lags the clock by hours).
PARTIAL_DAY_FRACTION = Decimal("0.35")
SPIKE_MULTIPLIER = Decimal(7)
NEW_SERVICE_FIRST_COST_DAYS_BEFORE_TODAY = 3
EDP_RATE = Decimal("0.06")  # large-org only
# Storage-like services grow by this fraction per day since GROWTH_EPOCH (independent of `today`,
# so a past day's cost does not change when `today` moves on).
DAILY_GROWTH = Decimal("0.0004")
GROWTH_EPOCH = dt.date(2020, 1, 1)

# Tax is charged at a flat rate per currency, on the month's usage and support.
TAX_RATES = {"USD": Decimal("0.07"), "EUR": Decimal("0.21"), "GBP": Decimal("0.20")}
DEFAULT_TAX_RATE = Decimal("0.10")
# AWS Business Support: a share of monthly usage, in tiers, at least $100.
SUPPORT_MINIMUM = Decimal(100)
SUPPORT_TIERS = (
    (Decimal(10_000), Decimal("0.10")),
    (Decimal(80_000), Decimal("0.07")),
    (Decimal(250_000), Decimal("0.05")),
    (None, Decimal("0.03")),
)

# Cost Explorer is "the current month and up to the previous 13 months" by default.
HISTORY_MONTHS = 13
# The previous month's bill is final (Estimated: false) from this day of the following month.
BILL_FINALISED_DAY = 5

# Days of generated line items each organisation keeps in memory (enough for a 60-day report).
DAY_CACHE_SIZE = 64

# Usage types carry a region prefix in Cost Explorer ("EUW2-TimedStorage-ByteHrs").
REGION_PREFIXES = {
    "us-east-1": "USE1",
    "us-east-2": "USE2",
    "us-west-2": "USW2",
    "eu-west-1": "EU",
    "eu-west-2": "EUW2",
    "eu-central-1": "EUC1",
    "ap-southeast-2": "APS2",
    "ap-northeast-1": "APN1",
}


class LineItem(NamedTuple):
    """The fields of one day's bill row, in order.

    lines_for_day() returns rows as plain tuples in this order, not LineItem instances: the
    aggregator reads hundreds of thousands of them, and CPython's garbage collector stops tracking
    an exact tuple of strings and Decimals but keeps rescanning tuple subclasses (a NamedTuple
    doubled generation time). Use ``LineItem._make(row)`` for named access.
    """

    account: str
    service: str
    region: str
    usage_type: str
    record_type: str
    environment: str  # value of the "Environment" cost allocation tag, "" when untagged
    unit: str  # unit of usage_quantity
    unblended: Decimal
    blended: Decimal
    net_unblended: Decimal
    usage_quantity: Decimal
    normalized_usage: Decimal


Row = tuple  # a line item as lines_for_day() returns it: a plain tuple in LineItem's field order

_ACCOUNT = LineItem._fields.index("account")
_SERVICE = LineItem._fields.index("service")
_ENVIRONMENT = LineItem._fields.index("environment")
_RECORD_TYPE = LineItem._fields.index("record_type")
_NET_UNBLENDED = LineItem._fields.index("net_unblended")


# --------------------------------------------------------------------------------------------
# The service catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageTypeSpec:
    name: str  # without the region prefix
    unit: str
    unit_price: Decimal
    daily_quantity: Decimal  # a typical weekday's usage for the small profile
    normalization: Decimal = ZERO  # instance size factor; 0 = not an instance-hour usage type


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # exactly as Cost Explorer's SERVICE dimension spells it
    pattern: str  # "compute" | "requests" | "steady" | "flat"
    usage_types: tuple[UsageTypeSpec, ...]
    is_global: bool = False
    secondary_region_share: Decimal = ZERO  # share of usage that runs in the secondary region


def _svc(name, pattern, *usage, is_global=False, secondary=ZERO) -> ServiceSpec:
    """usage entries: (usage type, unit, unit price, daily quantity[, normalization factor])."""
    specs = tuple(
        UsageTypeSpec(u[0], u[1], Decimal(u[2]), Decimal(u[3]), Decimal(u[4]) if len(u) > 4 else ZERO) for u in usage
    )
    return ServiceSpec(name, pattern, specs, is_global, Decimal(secondary))


EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"
RDS = "Amazon Relational Database Service"
S3 = "Amazon Simple Storage Service"
CLOUDWATCH = "Amazon CloudWatch"
BEDROCK = "Amazon Bedrock"

# ~$110 a weekday for the small profile. Prices are public on-demand prices, rounded.
CORE_SERVICES: tuple[ServiceSpec, ...] = (
    _svc(
        EC2_COMPUTE,
        "compute",
        ("BoxUsage:m5.large", "Hrs", "0.096", "192", "4"),
        ("BoxUsage:t3.medium", "Hrs", "0.0416", "240", "2"),
        ("BoxUsage:c5.xlarge", "Hrs", "0.17", "72", "8"),
    ),
    _svc(
        "EC2 - Other",
        "steady",
        ("EBS:VolumeUsage.gp3", "GB-Mo", "0.08", "66.7"),
        ("NatGateway-Hours", "Hrs", "0.045", "48"),
        ("NatGateway-Bytes", "GB", "0.045", "40"),
        ("EBS:SnapshotUsage", "GB-Mo", "0.05", "20"),
    ),
    _svc(
        S3,
        "steady",
        ("TimedStorage-ByteHrs", "GB-Mo", "0.023", "166.7"),
        ("Requests-Tier1", "Requests", "0.000005", "120000"),
        ("Requests-Tier2", "Requests", "0.0000004", "900000"),
        ("DataTransfer-Out-Bytes", "GB", "0.09", "12"),
        secondary="0.2",
    ),
    _svc(
        RDS,
        "steady",
        ("InstanceUsage:db.r5.large", "Hrs", "0.25", "48", "4"),
        ("RDS:GP2-Storage", "GB-Mo", "0.115", "16.7"),
    ),
    _svc(
        "AWS Lambda",
        "requests",
        ("Lambda-GB-Second", "Lambda-GB-Second", "0.0000166667", "90000"),
        ("Request", "Requests", "0.0000002", "2500000"),
    ),
    _svc(
        CLOUDWATCH,
        "steady",
        ("CW:MetricMonitorUsage", "Metrics", "0.3", "6"),
        ("CW:Requests", "Requests", "0.00001", "40000"),
        ("DataProcessing-Bytes", "GB", "0.5", "2.2"),
        ("TimedStorage-ByteHrs", "GB-Mo", "0.03", "10"),
        secondary="0.2",
    ),
    _svc(
        "Amazon Virtual Private Cloud",
        "steady",
        ("PublicIPv4:InUseAddress", "Hrs", "0.005", "240"),
        ("VpcEndpoint-Hours", "Hrs", "0.01", "72"),
    ),
    _svc(
        "AWS Key Management Service",
        "flat",
        ("KMS-Keys", "Keys", "1", "0.2"),
        ("KMS-Requests", "Requests", "0.000003", "15000"),
        secondary="0.2",
    ),
    _svc(
        "Amazon DynamoDB",
        "requests",
        ("ReadRequestUnits", "ReadRequestUnits", "0.00000025", "3000000"),
        ("WriteRequestUnits", "WriteRequestUnits", "0.00000125", "600000"),
        ("TimedStorage-ByteHrs", "GB-Mo", "0.25", "1"),
    ),
    _svc("Amazon Simple Notification Service", "requests", ("Requests-Tier1", "Requests", "0.0000005", "600")),
    _svc("Amazon Simple Queue Service", "requests", ("Requests-RBP", "Requests", "0.0000004", "120")),
    _svc(
        "Amazon Route 53",
        "flat",
        ("HostedZone", "HostedZone", "0.5", "0.1"),
        ("DNS-Queries", "Queries", "0.0000004", "50000"),
        is_global=True,
    ),
    _svc(
        "Amazon CloudFront",
        "requests",
        ("DataTransfer-Out-Bytes", "GB", "0.085", "14"),
        ("Requests-Tier1", "Requests", "0.0000075", "60000"),
        is_global=True,
    ),
    _svc(
        "Amazon Elastic Load Balancing",
        "steady",
        ("LoadBalancerUsage", "Hrs", "0.0225", "48"),
        ("LCUUsage", "LCU-Hrs", "0.008", "96"),
    ),
    _svc(
        "Amazon Elastic Container Service",
        "compute",
        ("Fargate-vCPU-Hours:perCPU", "hours", "0.04048", "96"),
        ("Fargate-GB-Hours", "hours", "0.004445", "192"),
    ),
    _svc("Amazon EC2 Container Registry (ECR)", "steady", ("TimedStorage-ByteHrs", "GB-Mo", "0.1", "1.5")),
    _svc("Amazon ElastiCache", "steady", ("NodeUsage:cache.t3.medium", "NodeHours", "0.068", "48", "2")),
    _svc("Amazon Elastic File System", "steady", ("TimedStorage-ByteHrs", "GB-Mo", "0.3", "1.2")),
    _svc(
        "AWS Secrets Manager",
        "flat",
        ("AWSSecretsManager-Secrets", "Secrets", "0.4", "0.5"),
        ("AWSSecretsManagerAPIRequest", "API Requests", "0.000005", "3000"),
    ),
    _svc("AWS CloudTrail", "requests", ("PaidEventsRecorded", "Events", "0.000002", "30000")),
    _svc("AWS Config", "steady", ("ConfigurationItemRecorded", "ConfigurationItem", "0.003", "80")),
    _svc(
        "Amazon GuardDuty",
        "steady",
        ("PaidEventsAnalyzed", "Events", "0.000004", "150000"),
        ("PaidS3DataEventsAnalyzed", "Events", "0.0000008", "400000"),
    ),
    _svc("AWS Step Functions", "requests", ("StateTransition", "StateTransitions", "0.000025", "2400")),
    _svc("Amazon API Gateway", "requests", ("ApiGatewayRequest", "Requests", "0.0000035", "100000")),
    _svc("AWS Glue", "flat", ("Catalog-Storage", "Obj-Month", "0", "40")),
    _svc("Amazon Athena", "requests", ("DataScannedInTB", "Terabytes", "5", "0.016")),
    _svc("AWS Backup", "steady", ("WarmStorage-ByteHrs-EBS", "GB-Mo", "0.05", "8")),
    _svc(
        "AWS WAF",
        "flat",
        ("WebACL", "WebACL", "5", "0.0333"),
        ("Rule", "Rule", "1", "0.1667"),
        ("Request", "Request", "0.0000006", "80000"),
        is_global=True,
    ),
    _svc("Amazon Simple Email Service", "requests", ("Recipients", "Count", "0.0001", "300")),
    _svc("AWS Systems Manager", "flat", ("PS-Param-Storage", "Parameters", "0", "1.2")),
    _svc("AWS Cost Explorer", "requests", ("API-Request", "Requests", "0.01", "3")),
    _svc("Amazon Cognito", "flat", ("CognitoUserPoolsMAU", "MAU", "0", "12")),
    _svc("AWS X-Ray", "requests", ("XRay-TracesStored", "Traces", "0.000005", "100")),
    _svc("Amazon EventBridge", "requests", ("Event-64K-Chunks", "Count", "0.000001", "20")),
    _svc(
        BEDROCK,
        "requests",
        ("Bedrock-Input-Tokens", "Tokens", "0.000003", "900000"),
        ("Bedrock-Output-Tokens", "Tokens", "0.000015", "90000"),
    ),
)

# More real service names for large-org, each with a generic usage type.
# (name, short code for the usage type, pattern, typical daily cost)
EXTRA_REAL_SERVICES = (
    ("Amazon Redshift", "Node", "steady", "18"),
    ("Amazon SageMaker", "ml", "compute", "22"),
    ("Amazon OpenSearch Service", "ES", "steady", "9"),
    ("Amazon Elastic Container Service for Kubernetes", "AmazonEKS", "steady", "4.8"),
    ("Amazon Kinesis", "Kinesis", "steady", "3.1"),
    ("Amazon Kinesis Firehose", "Firehose", "requests", "1.4"),
    ("Amazon Elastic MapReduce", "ElasticMapReduce", "compute", "11"),
    ("Amazon Managed Streaming for Apache Kafka", "Kafka", "steady", "7.5"),
    ("Amazon MQ", "MQ", "steady", "1.9"),
    ("Amazon DocumentDB (with MongoDB compatibility)", "DocDB", "steady", "6.2"),
    ("Amazon Neptune", "Neptune", "steady", "5.4"),
    ("Amazon Keyspaces (for Apache Cassandra)", "Keyspaces", "requests", "0.8"),
    ("Amazon MemoryDB", "MemoryDB", "steady", "4.1"),
    ("Amazon Timestream", "Timestream", "requests", "0.6"),
    ("Amazon QuickSight", "QS", "flat", "2.4"),
    ("AWS Glue DataBrew", "DataBrew", "requests", "0.3"),
    ("AWS Database Migration Service", "DMS", "steady", "2.2"),
    ("AWS Directory Service", "DirectoryService", "flat", "2.9"),
    ("AWS Transfer Family", "Transfer", "steady", "7.2"),
    ("Amazon WorkSpaces", "WorkSpaces", "flat", "8.5"),
    ("AWS Global Accelerator", "GlobalAccelerator", "steady", "0.9"),
    ("AWS Direct Connect", "DirectConnect", "steady", "7.4"),
    ("Amazon Macie", "Macie", "requests", "0.5"),
    ("AWS Security Hub", "SecurityHub", "requests", "1.2"),
    ("Amazon Inspector", "Inspector", "steady", "1.1"),
    ("Amazon Detective", "Detective", "requests", "0.7"),
    ("AWS Shield", "Shield", "flat", "0.4"),
    ("AWS Firewall Manager", "FMS", "flat", "3.3"),
    ("AWS Network Firewall", "NetworkFirewall", "steady", "9.5"),
    ("AWS Certificate Manager", "ACM", "flat", "0.02"),
    ("Amazon FSx", "FSx", "steady", "4.4"),
    ("AWS DataSync", "DataSync", "requests", "0.6"),
    ("AWS Storage Gateway", "StorageGateway", "steady", "1.3"),
    ("Amazon Glacier", "Glacier", "steady", "0.9"),
    ("AWS CodeBuild", "CodeBuild", "compute", "1.6"),
    ("AWS CodePipeline", "CodePipeline", "flat", "0.1"),
    ("AWS CodeArtifact", "CodeArtifact", "steady", "0.2"),
    ("AWS Amplify", "Amplify", "requests", "0.4"),
    ("AWS AppSync", "AppSync", "requests", "0.3"),
    ("AWS App Runner", "AppRunner", "compute", "1.8"),
    ("Amazon Managed Service for Prometheus", "AMP", "steady", "1.1"),
    ("Amazon Managed Grafana", "Grafana", "flat", "0.3"),
    ("Amazon Lightsail", "Lightsail", "flat", "0.7"),
    ("Amazon Textract", "Textract", "requests", "0.9"),
    ("Amazon Rekognition", "Rekognition", "requests", "0.5"),
    ("Amazon Comprehend", "Comprehend", "requests", "0.4"),
    ("Amazon Polly", "Polly", "requests", "0.1"),
    ("Amazon Translate", "Translate", "requests", "0.2"),
    ("Amazon Transcribe", "Transcribe", "requests", "0.3"),
    ("AWS IoT", "IoT", "requests", "0.4"),
    ("AWS Elemental MediaConvert", "MediaConvert", "requests", "1.2"),
    ("Amazon Connect", "Connect", "requests", "2.1"),
    ("Amazon Pinpoint", "Pinpoint", "requests", "0.2"),
    ("Amazon Location Service", "Location", "requests", "0.05"),
    ("Amazon Registrar", "Registrar", "flat", "0.04"),
    ("AWS Service Catalog", "ServiceCatalog", "flat", "0.01"),
    ("AWS Elastic Disaster Recovery", "DRS", "steady", "3.2"),
    ("Amazon Quantum Ledger Database", "QLDB", "requests", "0.1"),
    ("AWS Resilience Hub", "ResilienceHub", "flat", "0.2"),
    ("Amazon CodeGuru", "CodeGuru", "flat", "0.3"),
)
EXTRA_UNITS = {"steady": "Hrs", "compute": "Hrs", "requests": "Requests", "flat": "Units"}

# Plausible invented names for the long tail of large-org's services.
_GENERATED_FIRST = (
    "Elastic",
    "Managed",
    "Serverless",
    "Global",
    "Private",
    "Data",
    "Stream",
    "Edge",
    "Batch",
    "Graph",
    "Ledger",
    "Vector",
    "Signal",
    "Fleet",
    "Media",
    "Device",
    "Secure",
    "Insight",
    "Hybrid",
    "Cloud",
)
_GENERATED_SECOND = (
    "Relay",
    "Forge",
    "Catalog",
    "Mesh",
    "Vault",
    "Pipeline",
    "Index",
    "Gateway",
    "Studio",
    "Hub",
    "Sync",
    "Monitor",
    "Registry",
    "Scheduler",
    "Lens",
    "Beacon",
    "Cache",
    "Router",
    "Exchange",
    "Workbench",
)
LARGE_ORG_SERVICE_COUNT = 350

# The `teams` profile: how many teams by default and at most (the bench measures up to 10,000; the cap
# keeps a typo from generating a hundred million line items), and the services each team runs.
DEFAULT_TEAMS = 10
MAX_TEAMS = 20_000
# Every team has metrics and a bucket; each adds a few of the others, as a product team's account does.
TEAM_BASE_SERVICES = (CLOUDWATCH, S3)
TEAM_OPTIONAL_SERVICES = (
    EC2_COMPUTE,
    "EC2 - Other",
    RDS,
    "AWS Lambda",
    "Amazon DynamoDB",
    "Amazon Elastic Container Service",
    "Amazon Elastic Load Balancing",
    "Amazon Simple Queue Service",
    "Amazon Simple Notification Service",
    "AWS Key Management Service",
    "AWS Secrets Manager",
    "Amazon API Gateway",
    "Amazon CloudFront",
    "Amazon Virtual Private Cloud",
)
TEAM_SERVICES_MIN, TEAM_SERVICES_MAX = 4, 7  # base services included

_TEAMS = (
    "payments",
    "checkout",
    "search",
    "identity",
    "data-platform",
    "ml",
    "analytics",
    "mobile-api",
    "web",
    "logistics",
    "billing",
    "security",
    "networking",
    "observability",
    "shared-services",
    "marketing",
    "crm",
    "inventory",
    "notifications",
    "media",
    "pricing",
    "recommendations",
    "fraud",
    "support-tools",
)
_ENVIRONMENTS = ("prod", "staging", "dev", "sandbox")
_ENV_SCALE = {
    "prod": Decimal("2.5"),
    "staging": Decimal("0.7"),
    "dev": Decimal("0.35"),
    "sandbox": Decimal("0.12"),
    "management": Decimal("0.3"),
}
_ENV_CORE_PROBABILITY = {"prod": 0.8, "staging": 0.55, "dev": 0.4, "sandbox": 0.2, "management": 0.0}
# A member account runs at most this many usage types of a core service (keeps large-org's daily
# line count, and so its speed, in check).
MEMBER_USAGE_TYPES_PER_SERVICE = 2
_TAG_ENVIRONMENT = {
    "prod": "production",
    "staging": "staging",
    "dev": "development",
    "sandbox": "sandbox",
    "management": "",
}
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-2")
# Services every management account runs, whatever the profile.
_MANAGEMENT_SERVICES = (
    "AWS CloudTrail",
    "AWS Config",
    "Amazon GuardDuty",
    "AWS Cost Explorer",
    S3,
    "AWS Key Management Service",
)

# Noise tables: 256 multipliers each, so one getrandbits(8) picks one (fast, and no floats).
_NOISE_WIDE = tuple(Decimal(880 + (240 * i) // 255) / 1000 for i in range(256))  # 0.88 .. 1.12
_NOISE_NARROW = tuple(Decimal(980 + (40 * i) // 255) / 1000 for i in range(256))  # 0.98 .. 1.02
_NOISE_NONE = tuple(Decimal(1) for _ in range(256))
_NOISE_BY_PATTERN = {"compute": _NOISE_WIDE, "requests": _NOISE_WIDE, "steady": _NOISE_NARROW, "flat": _NOISE_NONE}
_WEEKEND_FACTOR = {"compute": Decimal("0.55"), "requests": Decimal("0.8"), "steady": Decimal(1), "flat": Decimal(1)}
_PATTERNS = tuple(_WEEKEND_FACTOR)


@dataclass(frozen=True)
class _Template:
    """A line that recurs every day: one usage type of one service in one account and region."""

    account: str
    service: str
    region: str
    usage_type: str
    unit: str
    unit_price: Decimal
    daily_quantity: Decimal
    normalization: Decimal
    pattern: str
    environment: str
    blend_factor: Decimal  # 1 unless blended rates differ (large-org EC2 instance hours)


# --------------------------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------------------------


class SyntheticOrganisation:
    """A deterministic AWS organisation with daily costs; see the module docstring."""

    PROFILES = PROFILES

    def __init__(
        self,
        profile: str = "small",
        seed: int = 7,
        today: dt.date | None = None,
        currency: str = "USD",
        teams: int | None = None,
    ):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
        if teams is not None and profile != "teams":
            raise ValueError(f"teams={teams!r} is for the 'teams' profile, not {profile!r}")
        if teams is not None and not (isinstance(teams, int) and 1 <= teams <= MAX_TEAMS):
            raise ValueError(f"teams must be a whole number from 1 to {MAX_TEAMS:,}, got {teams!r}")
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            raise ValueError(f"currency must be a 3-letter code such as 'USD', got {currency!r}")
        self.profile = profile
        self.seed = seed
        self.today = today if today is not None else dt.datetime.now(dt.UTC).date()
        self.currency = currency.upper()
        self.tax_rate = TAX_RATES.get(self.currency, DEFAULT_TAX_RATE)
        self.edp_rate = EDP_RATE if profile == "large-org" else ZERO
        self.management_account_id = MANAGEMENT_ACCOUNT_ID
        self.team_count = (teams or DEFAULT_TEAMS) if profile == "teams" else 0

        rnd = self._rng("structure")
        self.accounts: dict[str, str] = {}  # account id -> account name
        self.team_accounts: tuple[str, ...] = ()  # the teams profile's team accounts, in team order
        self._account_env: dict[str, str] = {}
        self._account_region: dict[str, str] = {}
        with localcontext(DECIMAL_CONTEXT):
            self._build_accounts(rnd)
            self.services: tuple[ServiceSpec, ...] = self._build_services(rnd)
            self._templates: tuple[_Template, ...] = self._build_templates(rnd)
        self.service_names: tuple[str, ...] = tuple(
            sorted({t.service for t in self._templates} | {TAX_SERVICE, SUPPORT_SERVICE})
        )

        # The notable services tests and demos look for.
        self.spike_service = CLOUDWATCH
        self.new_service = BEDROCK
        self.credit_services = (EC2_COMPUTE, RDS)
        self._credit_share = {EC2_COMPUTE: Decimal("0.25"), RDS: Decimal("0.4")}
        self.refund_service = S3
        with localcontext(DECIMAL_CONTEXT):
            self._compile_templates()
        self._build_teams()

        # The local AWS serves requests from several threads; the caches below are shared.
        self._lock = threading.RLock()
        self._day_cache: OrderedDict[dt.date, tuple[Row, ...]] = OrderedDict()
        self._month_start_cache: dict[dt.date, tuple[Row, ...]] = {}
        self._month_usage_cache: dict[dt.date, dict[str, Decimal]] = {}
        # Days AWS has revised since they were first reported (revise()): each one's usage scaled.
        self._revisions: dict[dt.date, Decimal] = {}

    # ---- calendar rules ------------------------------------------------------------------

    @property
    def earliest_available(self) -> dt.date:
        """First day Cost Explorer still has: the 1st of the month HISTORY_MONTHS before today's."""
        return _add_months(self.today.replace(day=1), -HISTORY_MONTHS)

    @property
    def first_day_of_next_month(self) -> dt.date:
        return _add_months(self.today.replace(day=1), 1)

    def is_estimated(self, period_start: dt.date) -> bool:
        """True while the billing period (calendar month) holding period_start is not final:
        the current month always, the previous month until BILL_FINALISED_DAY of this one."""
        month = period_start.replace(day=1)
        current = self.today.replace(day=1)
        if month >= current:
            return True
        return month == _add_months(current, -1) and self.today.day < BILL_FINALISED_DAY

    # ---- tags and cost categories -----------------------------------------------------------

    def tag_reader(self, key: str):
        """row -> the value of cost allocation tag `key` on that line ("" when the line has none). A key no
        line carries gives "" everywhere, as Cost Explorer groups cost without the tag under "<key>$"."""
        if key == ENVIRONMENT_TAG_KEY:
            return operator.itemgetter(_ENVIRONMENT)
        if key == TEAM_TAG_KEY:
            teams = self.team_tags
            return lambda row: teams.get((row[_ACCOUNT], row[_SERVICE]), "")
        return lambda row: ""

    def cost_category_reader(self, name: str):
        """row -> the line's value of cost category `name` ("" when no rule maps it; a name the organisation
        does not define maps nothing)."""
        if name != TEAM_COST_CATEGORY:
            return lambda row: ""
        if self.profile == "small":  # one account: the category's rules read the team tag
            teams = self.team_tags
            return lambda row: teams.get((row[_ACCOUNT], row[_SERVICE]), "").capitalize()
        by_account = self.account_categories  # one account per team: the category's rules list accounts
        return lambda row: by_account.get(row[_ACCOUNT], "")

    def _build_teams(self) -> None:
        """The `team` tag of every (account, service), and the `Team` cost category of every account.

        large-org and teams: an account's lines carry its team's tag (the account is "<env>-<team>"; the management
        account's team is "platform"), but UNTAGGED_SHARE of (account, service) pairs are untagged; the
        Team cost category maps each member account to its team ("Payments") and the management account to
        "Shared", so it covers the untagged lines too. small (one account): each service belongs to one of
        SMALL_TEAMS or is untagged, and the cost category follows the tag (untagged: uncategorised).
        Tax and the support fee carry no tag. Drawn from their own random stream: nothing else changes."""
        rnd = self._rng("teams")
        self.team_tags: dict[tuple[str, str], str] = {}
        self.account_categories: dict[str, str] = {}
        for account, name in self.accounts.items():
            team = "platform" if account == MANAGEMENT_ACCOUNT_ID else name.split("-", 1)[1]
            self.account_categories[account] = "Shared" if account == MANAGEMENT_ACCOUNT_ID else team.capitalize()
        for account, service in sorted({(t.account, t.service) for t in self._templates}):
            pick, untagged = rnd.choice(SMALL_TEAMS), rnd.random() < UNTAGGED_SHARE
            team = pick if self.profile == "small" else self.accounts[account].split("-", 1)[-1]
            if account == MANAGEMENT_ACCOUNT_ID and self.profile != "small":
                team = "platform"
            self.team_tags[(account, service)] = "" if untagged else team

    # ---- line items ------------------------------------------------------------------------

    def lines_for_day(self, day: dt.date) -> tuple[Row, ...]:
        """Every bill row of one UTC day; empty after today (nothing has happened yet)."""
        if day > self.today:
            return ()
        with self._lock, localcontext(DECIMAL_CONTEXT):
            lines = self._daily_lines(day)
            if day.day == 1:
                lines = lines + self._month_start_lines(day)
            if day in self._revisions:
                lines = _revised(lines, self._revisions[day])
        return lines

    def revise(self, day: dt.date, factor: Decimal) -> None:
        """AWS revising an estimate: from now on every Usage row of `day` costs `factor` times what it did
        (late usage records arriving, say), as Cost Explorer's answer for a recent day can change after a
        report was sent. Credits, tax and fees are left as they were. `make demo REVISED=1` shows it."""
        if not factor > 0:
            raise ValueError(f"factor must be above 0, got {factor}")
        with self._lock:
            self._revisions[day] = factor

    # ---- construction ----------------------------------------------------------------------

    def _rng(self, purpose: str) -> random.Random:
        # Seeding with a str hashes it with SHA-512: stable across processes and versions.
        return random.Random(f"aws-cost-notifier|{self.profile}|{self.seed}|{purpose}")

    def _build_accounts(self, rnd: random.Random) -> None:
        self._add_account(MANAGEMENT_ACCOUNT_ID, "management", "management", "us-east-1")
        if self.profile == "small":
            return
        if self.profile == "teams":
            self._build_team_accounts()
            return
        names = [f"{env}-{team}" for team in _TEAMS for env in _ENVIRONMENTS]
        rnd.shuffle(names)
        for name in sorted(names[: rnd.randint(55, 75)]):
            account_id = _account_id(self.seed, name)
            self._add_account(account_id, name, name.split("-", 1)[0], rnd.choice(_REGIONS))

    def _build_team_accounts(self) -> None:
        """One production account per team, named "prod-<team>" (team "payments-1", then "checkout-1", ...,
        "payments-2": the large organisation's team names, numbered), each in a home region drawn from the
        team's own stream."""
        team_accounts = []
        for index in range(self.team_count):
            name = f"prod-{team_name(index)}"
            account_id = _account_id(self.seed, name)
            if account_id in self.accounts:  # two names hashing to one id would merge two teams' costs
                raise ValueError(f"account id {account_id} drawn twice (seed {self.seed}); try another seed")
            self._add_account(account_id, name, "prod", self._rng(f"team|{index}|account").choice(_REGIONS))
            team_accounts.append(account_id)
        self.team_accounts = tuple(team_accounts)

    def _add_account(self, account_id: str, name: str, env: str, region: str) -> None:
        self.accounts[account_id] = name
        self._account_env[account_id] = env
        self._account_region[account_id] = region

    def _build_services(self, rnd: random.Random) -> tuple[ServiceSpec, ...]:
        if self.profile in ("small", "teams"):
            return CORE_SERVICES
        extra = []
        for name, code, pattern, daily in EXTRA_REAL_SERVICES:
            unit = EXTRA_UNITS[pattern]
            price = Decimal("0.1") if unit == "Hrs" else Decimal("0.000004")
            quantity = (Decimal(daily) / price).quantize(Decimal("0.01"))
            extra.append(_svc(name, pattern, (f"{code}-Usage", unit, price, quantity)))
        taken = {s.name for s in CORE_SERVICES} | {s.name for s in extra}
        candidates = [
            f"{vendor} {a} {b}" for a in _GENERATED_FIRST for b in _GENERATED_SECOND for vendor in ("AWS", "Amazon")
        ]
        rnd.shuffle(candidates)
        generated = []
        for name in candidates:
            if len(CORE_SERVICES) + len(extra) + len(generated) >= LARGE_ORG_SERVICE_COUNT:
                break
            if name in taken or name.split(" ", 1)[1] in {n.split(" ", 1)[1] for n in taken}:
                continue
            taken.add(name)
            pattern = rnd.choice(("compute", "requests", "steady", "flat"))
            code = "".join(word[:4] for word in name.split(" ")[1:])
            unit = EXTRA_UNITS[pattern]
            price = Decimal("0.05") if unit == "Hrs" else Decimal("0.000002")
            quantity = Decimal(rnd.randint(2, 400))
            generated.append(_svc(name, pattern, (f"{code}-Usage", unit, price, quantity)))
        return CORE_SERVICES + tuple(extra) + tuple(generated)

    def _build_templates(self, rnd: random.Random) -> tuple[_Template, ...]:
        templates: list[_Template] = []
        if self.profile == "small":
            for service in self.services:
                templates.extend(
                    self._service_templates(
                        service, MANAGEMENT_ACCOUNT_ID, Decimal(1), Decimal(1), secondary_region="eu-west-2"
                    )
                )
            return tuple(templates)
        if self.profile == "teams":
            return self._team_templates()

        core_names = {s.name for s in CORE_SERVICES}
        by_name = {s.name: s for s in self.services}
        for account in self.accounts:
            env = self._account_env[account]
            scale = _ENV_SCALE[env] * Decimal(rnd.randint(50, 150)) / 100
            blend = Decimal(rnd.randint(960, 1040)) / 1000
            for service in self.services:
                if service.name in _MANAGEMENT_SERVICES and env == "management":
                    used = True
                elif service.name in core_names:
                    used = rnd.random() < _ENV_CORE_PROBABILITY[env]
                else:
                    used = False
                if service.name == BEDROCK:  # one team adopts the new service
                    used = account == self._bedrock_account()
                if used:
                    templates.extend(self._service_templates(service, account, scale, blend))
        # The long tail: each non-core service runs in a few accounts.
        members = [a for a in self.accounts if a != MANAGEMENT_ACCOUNT_ID]
        for service in self.services:
            if service.name in core_names:
                continue
            for account in sorted(rnd.sample(members, rnd.randint(1, 3))):
                scale = _ENV_SCALE[self._account_env[account]] * Decimal(rnd.randint(20, 180)) / 100
                templates.extend(self._service_templates(by_name[service.name], account, scale, Decimal(1)))
        return tuple(templates)

    def _team_templates(self) -> tuple[_Template, ...]:
        """The management account runs the organisation's own services; each team account runs the base
        services and a few others, at its own scale, all drawn from the team's own stream (so adding teams
        changes no existing team). The first team adopts the new service."""
        by_name = {s.name: s for s in self.services}
        templates: list[_Template] = []
        for service in self.services:
            if service.name in _MANAGEMENT_SERVICES:
                templates.extend(
                    self._service_templates(service, MANAGEMENT_ACCOUNT_ID, _ENV_SCALE["management"], Decimal(1))
                )
        for index, account in enumerate(self.team_accounts):
            rnd = self._rng(f"team|{index}|services")
            extra = rnd.sample(TEAM_OPTIONAL_SERVICES, rnd.randint(TEAM_SERVICES_MIN, TEAM_SERVICES_MAX) - 2)
            names = set(TEAM_BASE_SERVICES) | set(extra) | ({BEDROCK} if index == 0 else set())
            scale = _ENV_SCALE["prod"] * Decimal(rnd.randint(10, 60)) / 100
            blend = Decimal(rnd.randint(960, 1040)) / 1000
            for service in self.services:  # catalogue order, not set order: the same lines in every process
                if service.name in names:
                    templates.extend(self._service_templates(by_name[service.name], account, scale, blend))
        return tuple(templates)

    def _bedrock_account(self) -> str:
        prod = sorted(a for a, env in self._account_env.items() if env == "prod")
        return prod[0] if prod else MANAGEMENT_ACCOUNT_ID

    def _service_templates(
        self, service: ServiceSpec, account: str, scale: Decimal, blend: Decimal, secondary_region: str | None = None
    ) -> list[_Template]:
        env = self._account_env[account]
        home = self._account_region[account]
        if service.is_global:
            placements = [(GLOBAL_REGION, Decimal(1))]
        elif service.secondary_region_share and secondary_region:
            share = service.secondary_region_share
            placements = [(home, 1 - share), (secondary_region, share)]
        else:
            placements = [(home, Decimal(1))]
        templates = []
        for region, share in placements:
            prefix = "" if region == GLOBAL_REGION else REGION_PREFIXES[region] + "-"
            usage_types = service.usage_types
            if self.profile != "small" and account != MANAGEMENT_ACCOUNT_ID:
                usage_types = usage_types[:MEMBER_USAGE_TYPES_PER_SERVICE]
            for usage in usage_types:
                is_instance_hours = usage.normalization > 0
                templates.append(
                    _Template(
                        account=account,
                        service=service.name,
                        region=region,
                        usage_type=prefix + usage.name,
                        unit=usage.unit,
                        unit_price=usage.unit_price,
                        daily_quantity=(usage.daily_quantity * scale * share).quantize(AMOUNT_QUANTUM),
                        normalization=usage.normalization,
                        pattern=service.pattern,
                        environment=_TAG_ENVIRONMENT[env]
                        if self.profile != "small"
                        else ("production" if service.pattern != "flat" else ""),
                        blend_factor=blend if (is_instance_hours and service.name == EC2_COMPUTE) else Decimal(1),
                    )
                )
        return templates

    # ---- daily generation ------------------------------------------------------------------

    def _daily_lines(self, day: dt.date) -> tuple[Row, ...]:
        """Usage, credits, discounts and refunds of one day (no month-start charges), cached."""
        cached = self._day_cache.get(day)
        if cached is not None:
            self._day_cache.move_to_end(day)
            return cached
        lines = self._generate_daily_lines(day)
        self._day_cache[day] = lines
        if len(self._day_cache) > DAY_CACHE_SIZE:
            self._day_cache.popitem(last=False)
        return lines

    def _generate_daily_lines(self, day: dt.date) -> tuple[Row, ...]:
        # This loop runs for thousands of templates per day: it reads precompiled tuples and
        # looks multipliers up in per-day tables, so each line costs only a few Decimal operations.
        rnd = self._rng(f"day|{day.isoformat()}")
        factor_tables = self._factor_tables(day)
        spike_day = day == self.today - dt.timedelta(days=1)
        new_service_started = day >= self.today - dt.timedelta(days=NEW_SERVICE_FIRST_COST_DAYS_BEFORE_TODAY)
        quantum = AMOUNT_QUANTUM
        getrandbits = rnd.getrandbits

        pair_cost = [ZERO] * len(self._pairs)  # Usage cost per (account, service)
        pair_discount = [ZERO] * len(self._pairs)  # EDP discount per (account, service)
        lines: list[Row] = []
        append = lines.append
        for (
            account,
            service,
            region,
            usage_type,
            unit,
            env,
            daily_quantity,
            daily_cost,
            daily_net,
            normalization,
            blend,
            pattern,
            pair,
            is_new,
            is_spike,
        ) in self._compiled:
            # Draw before any skip, so a day's numbers never depend on which lines were skipped.
            factor = factor_tables[pattern][getrandbits(8)]
            if is_new and not new_service_started:
                continue
            if is_spike and spike_day:
                factor *= SPIKE_MULTIPLIER
            # daily_cost is daily_quantity x unit price, unrounded: cost = round(quantity x price).
            quantity = (daily_quantity * factor).quantize(quantum)
            cost = (daily_cost * factor).quantize(quantum)
            if daily_net is None:
                net = cost
            else:
                net = (daily_net * factor).quantize(quantum)
                pair_discount[pair] += cost - net
            pair_cost[pair] += cost
            append(
                (
                    account,
                    service,
                    region,
                    usage_type,
                    USAGE,
                    env,
                    unit,
                    cost,
                    cost if blend is None else (cost * blend).quantize(quantum),
                    net,
                    quantity,
                    (quantity * normalization).quantize(quantum) if normalization else ZERO,
                )
            )

        for pair, (account, service, region, usage_type, env, credit_share) in enumerate(self._pairs):
            if credit_share and pair_cost[pair]:
                credit = -(pair_cost[pair] * credit_share).quantize(quantum)
                append((account, service, region, usage_type, CREDIT, env, "N/A", credit, credit, credit, ZERO, ZERO))
            if pair_discount[pair]:
                discount = -pair_discount[pair]
                append(
                    (
                        account,
                        service,
                        region,
                        usage_type,
                        EDP_DISCOUNT,
                        "",
                        "N/A",
                        discount,
                        discount,
                        ZERO,
                        ZERO,
                        ZERO,
                    )
                )
        lines.extend(self._refund_lines(day))
        return tuple(lines)

    def _factor_tables(self, day: dt.date) -> list[tuple[Decimal, ...]]:
        """Per pattern, the 256 possible multipliers of a usage quantity on this day
        (weekend dip x growth x partial today x noise)."""
        weekend = day.weekday() >= 5
        growth = 1 + DAILY_GROWTH * (day - GROWTH_EPOCH).days
        tables = []
        for pattern in _PATTERNS:
            factor = _WEEKEND_FACTOR[pattern] if weekend else Decimal(1)
            if pattern == "steady":
                factor *= growth
            if day == self.today:
                factor *= PARTIAL_DAY_FRACTION
            tables.append(tuple(factor * noise for noise in _NOISE_BY_PATTERN[pattern]))
        return tables

    def _compile_templates(self) -> None:
        """Flatten the templates into tuples for _generate_daily_lines, and index the
        (account, service) pairs that carry credits and discounts."""
        pair_index: dict[tuple[str, str], int] = {}
        pairs: list[tuple] = []
        compiled: list[tuple] = []
        for t in self._templates:
            key = (t.account, t.service)
            if key not in pair_index:
                pair_index[key] = len(pairs)
                pairs.append(
                    (t.account, t.service, t.region, t.usage_type, t.environment, self._credit_share.get(t.service))
                )
            daily_cost = t.daily_quantity * t.unit_price  # exact: no rounding yet
            compiled.append(
                (
                    t.account,
                    t.service,
                    t.region,
                    t.usage_type,
                    t.unit,
                    t.environment,
                    t.daily_quantity,
                    daily_cost,
                    daily_cost * (1 - self.edp_rate) if self.edp_rate else None,
                    t.normalization,
                    None if t.blend_factor == 1 else t.blend_factor,
                    _PATTERNS.index(t.pattern),
                    pair_index[key],
                    t.service == self.new_service,
                    t.service == self.spike_service,
                )
            )
        self._compiled = tuple(compiled)
        self._pairs = tuple(pairs)

    def _refund_lines(self, day: dt.date) -> list[Row]:
        """One refund a month, on a day picked from the month, for the refund service."""
        digest = hashlib.sha256(f"{self.seed}|refund|{day:%Y-%m}".encode()).digest()
        if day.day != 8 + digest[0] % 15:
            return []
        account = self.management_account_id
        templates = [t for t in self._templates if t.service == self.refund_service and t.account == account]
        if not templates:
            return []
        usual = sum((t.daily_quantity * t.unit_price for t in templates), ZERO)
        amount = -(usual * Decimal("2.5") * (90 + digest[1] % 20) / 100).quantize(AMOUNT_QUANTUM)
        t = templates[0]
        return [
            (
                account,
                t.service,
                t.region,
                t.usage_type,
                REFUND,
                t.environment,
                t.unit,
                amount,
                amount,
                amount,
                ZERO,
                ZERO,
            )
        ]

    def _month_start_lines(self, first: dt.date) -> tuple[Row, ...]:
        """Support fee and tax, shown by Cost Explorer on the first day of the month they are for."""
        cached = self._month_start_cache.get(first)
        if cached is not None:
            return cached
        usage = self._month_usage(first)
        support = _support_fee(sum(usage.values(), ZERO))
        lines = [
            (
                self.management_account_id,
                SUPPORT_SERVICE,
                NO_REGION,
                "Business-Support",
                SUPPORT_FEE,
                "",
                "N/A",
                support,
                support,
                support,
                ZERO,
                ZERO,
            )
        ]
        for account in self.accounts:
            base = usage.get(account, ZERO)
            if account == self.management_account_id:
                base += support
            tax = (base * self.tax_rate).quantize(AMOUNT_QUANTUM)
            if tax:
                lines.append((account, TAX_SERVICE, NO_REGION, "Tax", TAX, "", "N/A", tax, tax, tax, ZERO, ZERO))
        self._month_start_cache[first] = tuple(lines)
        return self._month_start_cache[first]

    def _month_usage(self, first: dt.date) -> dict[str, Decimal]:
        """Net Usage cost per account for the month starting `first`, up to today."""
        cached = self._month_usage_cache.get(first)
        if cached is not None:
            return cached
        last = min(_add_months(first, 1) - dt.timedelta(days=1), self.today)
        totals: dict[str, Decimal] = {}
        day = first
        while day <= last:
            # _daily_lines, not lines_for_day: the 1st's own lines would recurse into this.
            for line in self._daily_lines(day):
                if line[_RECORD_TYPE] == USAGE:
                    account = line[_ACCOUNT]
                    totals[account] = totals.get(account, ZERO) + line[_NET_UNBLENDED]
            day += dt.timedelta(days=1)
        self._month_usage_cache[first] = totals
        return totals


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


_MONEY_FIELDS = tuple(LineItem._fields.index(name) for name in ("unblended", "blended", "net_unblended"))


def _revised(lines: tuple[Row, ...], factor: Decimal) -> tuple[Row, ...]:
    """The Usage rows' amounts times `factor`, to the 10 places Cost Explorer's amounts have."""
    place = Decimal("1E-10")
    out = []
    for line in lines:
        if line[_RECORD_TYPE] == "Usage":
            line = tuple((v * factor).quantize(place) if n in _MONEY_FIELDS else v for n, v in enumerate(line))
        out.append(line)
    return tuple(out)


def team_name(index: int) -> str:
    """The teams profile's team `index` (from 0): "payments-1", "checkout-1", ..., "payments-2", ... Its Team
    cost category value is the name capitalised ("Payments-1")."""
    return f"{_TEAMS[index % len(_TEAMS)]}-{index // len(_TEAMS) + 1}"


def _add_months(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _account_id(seed: int, name: str) -> str:
    digest = hashlib.sha256(f"{seed}|account|{name}".encode()).hexdigest()
    return str(100_000_000_000 + int(digest, 16) % 900_000_000_000)


def _support_fee(monthly_usage: Decimal) -> Decimal:
    """AWS Business Support: tiered share of the month's usage, at least SUPPORT_MINIMUM."""
    fee, lower = ZERO, ZERO
    for upper, rate in SUPPORT_TIERS:
        top = monthly_usage if upper is None else min(monthly_usage, upper)
        if top > lower:
            fee += (top - lower) * rate
        if upper is None or monthly_usage <= upper:
            break
        lower = upper
    return max(fee, SUPPORT_MINIMUM).quantize(AMOUNT_QUANTUM)
