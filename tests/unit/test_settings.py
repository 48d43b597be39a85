"""Each function's settings: one table of bounds per function, read into one typed object, with a refusal
that names the variable, the value and what is allowed. Pure: the environment is a mapping."""

import dataclasses
import re
from decimal import Decimal

import pytest
from fetch_costs import settings as fetch_costs_settings
from fetch_costs.settings import SETTINGS, ConfigurationError, ReportSettings, Setting, load_settings
from post_chat import settings as chat_settings
from resolve_report_date import settings as resolve_settings

D = Decimal


@pytest.fixture
def clear_caches():
    fetch_costs_settings.settings.cache_clear()
    resolve_settings.settings.cache_clear()
    chat_settings.settings.cache_clear()
    yield
    fetch_costs_settings.settings.cache_clear()
    resolve_settings.settings.cache_clear()
    chat_settings.settings.cache_clear()


# --- fetch_costs ---------------------------------------------------------------------------------


def test_unset_empty_or_blank_settings_are_the_documented_defaults():
    blank = {setting.name: value for setting, value in zip(SETTINGS, ["", " "] * len(SETTINGS), strict=False)}
    assert load_settings({}) == load_settings(blank) == ReportSettings()
    defaults = ReportSettings()
    assert (defaults.metric, defaults.top_services, defaults.daily_budget, defaults.max_requests) == (
        "UnblendedCost",
        10,
        None,
        10,
    )


def test_every_setting_is_read():
    settings = load_settings(
        {
            "COST_METRIC": "NetAmortizedCost",
            "TOP_SERVICES": " 20 ",
            "DAILY_BUDGET": "150.50",
            "MONTHLY_BUDGET": "4000",
            "CREDIT_BALANCE": "2500.5",
            "ANOMALY_THRESHOLD": "2.5",
            "ANOMALY_MIN_AMOUNT": "10",
            "ANOMALY_MIN_PERCENT": "25",
            "MOVER_MIN_AMOUNT": "0",
            "MOVER_MIN_PERCENT": "5",
            "NEW_SERVICE_DAYS": "3",
            "COST_EXPLORER_MAX_REQUESTS": "40",
            "REVISED_MIN_AMOUNT": "2.50",
            "REVISED_MIN_PERCENT": "0.5",
        }
    )
    assert settings == ReportSettings(
        "NetAmortizedCost",
        20,
        D("150.50"),
        D(4000),
        None,
        D("2500.5"),
        *(D(v) for v in ("2.5", "10", "25", "0", "5")),
        3,
        40,
        D("2.50"),
        D("0.5"),
    )


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        (
            "COST_METRIC",
            "Dollars",
            "use one of UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost, BlendedCost",
        ),
        ("TOP_SERVICES", "0", "set it to a whole number from 1 to 20 (default 10)"),
        ("TOP_SERVICES", "21", "a whole number from 1 to 20"),
        ("TOP_SERVICES", "ten", "a whole number from 1 to 20"),
        ("DAILY_BUDGET", "0", "greater than 0 and below 1,000,000,000,000, such as 150 or 99.50, or leave it unset"),
        ("DAILY_BUDGET", "$150", "greater than 0"),
        ("DAILY_BUDGET", "-5", "greater than 0"),
        ("MONTHLY_BUDGET", "0", "greater than 0 and below 1,000,000,000,000, such as 150 or 99.50, or leave it unset"),
        ("MONTHLY_BUDGET", "5,000", "greater than 0"),
        ("MONTHLY_BUDGET", "1000000000000", "below 1,000,000,000,000"),
        ("ANOMALY_THRESHOLD", "0.5", "set it to a number from 1 to 20 such as 2.5 (default 3)"),
        ("ANOMALY_MIN_AMOUNT", "-1", "a number from 0 to 1,000,000,000,000"),
        ("ANOMALY_MIN_PERCENT", "NaN", "a number from 0 to 10,000"),
        ("MOVER_MIN_AMOUNT", "1e3", "a number from 0 to"),
        ("MOVER_MIN_PERCENT", "ten", "a number from 0 to 10,000"),
        ("REVISED_MIN_AMOUNT", "-0.01", "a number from 0 to 1,000,000,000,000"),
        ("REVISED_MIN_PERCENT", "10001", "a number from 0 to 10,000"),
        ("NEW_SERVICE_DAYS", "15", "a whole number from 1 to 14 (default 7)"),
        ("COST_EXPLORER_MAX_REQUESTS", "0", "a whole number from 1 to 100 (default 10)"),
    ],
)
def test_a_bad_setting_names_the_variable_the_value_and_what_is_allowed(name, value, allowed):
    with pytest.raises(ConfigurationError) as refused:
        load_settings({name: value})
    assert f"{name}={value!r} is not allowed: " in str(refused.value) and allowed in str(refused.value)


def outside(setting: Setting) -> list[str]:
    """Values just outside the setting's bounds, as the table states them."""
    if setting.kind == "choice":
        return ["Nope", setting.allowed[0].lower()]
    if setting.kind == "name":  # its bounds are its length; a character AWS refuses is outside too
        return ["n" * (int(setting.maximum) + 1), "a:b"]
    step = 1 if setting.kind == "whole" else D("0.01")
    if setting.exclusive:
        return [str(setting.minimum), str(setting.maximum)]
    return [str(setting.maximum + step)] + ([str(setting.minimum - step)] if setting.minimum - step >= 0 else [])


def inside(setting: Setting) -> list[str]:
    if setting.kind == "choice":
        return list(setting.allowed)
    if setting.kind == "name":
        return ["n" * int(setting.minimum), "n" * int(setting.maximum)]
    if setting.exclusive:
        return [str(setting.minimum + D("0.01")), str(setting.maximum - D("0.01"))]
    return [str(setting.minimum), str(setting.maximum)]


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_each_setting_is_read_with_the_bounds_its_table_entry_states(setting):
    # GIVEN only the table entry: this holds for a setting added to the table, with no test of its own
    for value in outside(setting):
        with pytest.raises(ConfigurationError, match=f"^{setting.name}={value!r} is not allowed"):
            load_settings({setting.name: value})
    for value in inside(setting):
        assert load_settings({setting.name: value}) != load_settings({}) or value == setting.default


def test_the_typed_defaults_are_the_tables():
    written_out = {s.name: s.default for s in SETTINGS if s.default is not None}
    assert load_settings(written_out) == load_settings({}) == ReportSettings()
    # unset: no budget, the typed monthly budget, no credit balance
    assert [s.name for s in SETTINGS if s.default is None] == [
        "DAILY_BUDGET",
        "MONTHLY_BUDGET",
        "MONTHLY_BUDGET_NAME",
        "CREDIT_BALANCE",
    ]


def test_the_table_is_plain_data_terraform_validations_can_mirror():
    assert len({s.name for s in SETTINGS}) == len(SETTINGS) == len(dataclasses.fields(ReportSettings))
    for s in SETTINGS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", s.name) and s.description
        if s.kind == "choice":
            assert s.allowed and s.default in s.allowed and s.minimum is None is s.maximum
        else:
            assert not s.allowed and s.minimum is not None and s.maximum is not None and s.minimum < s.maximum
        if s.kind == "whole":
            assert isinstance(s.minimum, int) and isinstance(s.maximum, int)


def test_the_settings_are_built_from_the_environment_on_first_use_and_kept(monkeypatch, clear_caches):
    monkeypatch.setenv("TOP_SERVICES", "5")
    first = fetch_costs_settings.settings()
    monkeypatch.setenv("TOP_SERVICES", "not even a number")
    assert fetch_costs_settings.settings() is first and first.top_services == 5


def test_settings_built_directly_are_checked_too():
    with pytest.raises(ConfigurationError, match="top_services must be from 1 to 20"):
        ReportSettings(top_services=0)
    with pytest.raises(ConfigurationError, match="metric must be one of"):
        ReportSettings(metric="Dollars")


# --- resolve_report_date -------------------------------------------------------------------------


@pytest.mark.parametrize("environ", [{}, {"COST_EXPLORER_HISTORY_MONTHS": ""}, {"COST_EXPLORER_HISTORY_MONTHS": " "}])
def test_an_unset_or_empty_history_setting_means_the_default_as_in_fetch_costs(environ):
    assert resolve_settings.load_settings(environ) == resolve_settings.Settings() == resolve_settings.Settings(13)


@pytest.mark.parametrize("months", ["13", "38", " 20 "])
def test_the_history_setting_is_read(months):
    assert resolve_settings.load_settings({"COST_EXPLORER_HISTORY_MONTHS": months}).history_months == int(months)


@pytest.mark.parametrize("months", ["12", "39", "thirteen", "13.0", "-13", "x" * 5_000])
def test_a_bad_history_setting_names_the_variable_the_value_and_what_is_allowed(months):
    with pytest.raises(resolve_settings.ConfigurationError) as refused:
        resolve_settings.load_settings({"COST_EXPLORER_HISTORY_MONTHS": months})
    message = str(refused.value)
    assert message.startswith(f"COST_EXPLORER_HISTORY_MONTHS={months[:20]!r}"[:-1])
    assert "is not allowed: use a whole number from 13 to 38 (13 is Cost Explorer's default" in message
    assert len(message) < 300  # a huge value is quoted as an excerpt


def test_the_history_table_entry_is_what_the_function_enforces():
    (entry,) = resolve_settings.SETTINGS
    assert (entry.name, entry.kind, entry.default, entry.minimum, entry.maximum) == (
        "COST_EXPLORER_HISTORY_MONTHS",
        "whole",
        "13",
        13,
        38,
    )
    assert resolve_settings.Settings().history_months == int(entry.default)


def test_every_function_describes_a_setting_with_the_same_shape():
    # The Lambdas are packaged apart, so each has its own Setting class; a reader of every table
    # (Terraform validations, the docs) needs one shape.
    def shape(cls):
        return [(f.name, str(f.type), f.default) for f in dataclasses.fields(cls)]

    for module in (resolve_settings, chat_settings):
        assert shape(module.Setting) == shape(Setting), module.__name__
        assert module.ConfigurationError.__name__ == ConfigurationError.__name__


# --- post_chat -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ",
    [{}, {"CHAT_TIMEOUT_SECONDS": "", "CHAT_SECRET_MAX_AGE_SECONDS": " "}, {"CHAT_TIMEOUT_SECONDS": "10"}],
)
def test_unset_or_blank_chat_settings_are_the_defaults(environ):
    assert chat_settings.load_settings(environ) == chat_settings.Settings() == chat_settings.Settings(10, 300)


def test_the_chat_settings_are_read():
    settings = chat_settings.load_settings({"CHAT_TIMEOUT_SECONDS": " 30 ", "CHAT_SECRET_MAX_AGE_SECONDS": "0"})
    assert (settings.timeout_seconds, settings.secret_max_age_seconds) == (30, 0)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("CHAT_TIMEOUT_SECONDS", "0", "use a whole number from 1 to 30 (default 10)"),
        ("CHAT_TIMEOUT_SECONDS", "31", "use a whole number from 1 to 30"),
        ("CHAT_TIMEOUT_SECONDS", "2.5", "use a whole number from 1 to 30"),
        ("CHAT_TIMEOUT_SECONDS", "ten", "use a whole number from 1 to 30"),
        ("CHAT_SECRET_MAX_AGE_SECONDS", "-1", "use a whole number from 0 to 3600 (default 300)"),
        ("CHAT_SECRET_MAX_AGE_SECONDS", "3601", "use a whole number from 0 to 3600"),
        ("CHAT_SECRET_MAX_AGE_SECONDS", "x" * 5_000, "use a whole number from 0 to 3600"),
    ],
)
def test_a_bad_chat_setting_names_the_variable_the_value_and_what_is_allowed(name, value, allowed):
    with pytest.raises(chat_settings.ConfigurationError) as refused:
        chat_settings.load_settings({name: value})
    message = str(refused.value)
    assert message.startswith(f"{name}={value[:20]!r}"[:-1]) and f"is not allowed: {allowed}" in message
    assert len(message) < 300  # a huge value is quoted as an excerpt


def test_the_chat_table_is_what_the_function_enforces():
    table = {s.name: s for s in chat_settings.SETTINGS}
    assert {name: (s.kind, s.default, s.minimum, s.maximum) for name, s in table.items()} == {
        "CHAT_TIMEOUT_SECONDS": ("whole", "10", 1, 30),
        "CHAT_SECRET_MAX_AGE_SECONDS": ("whole", "300", 0, 3600),
    }
    for setting in chat_settings.SETTINGS:
        for value in (setting.minimum, setting.maximum):
            chat_settings.load_settings({setting.name: str(value)})
        for value in (setting.minimum - 1, setting.maximum + 1):
            with pytest.raises(chat_settings.ConfigurationError, match=f"^{setting.name}="):
                chat_settings.load_settings({setting.name: str(value)})
    written_out = {s.name: s.default for s in chat_settings.SETTINGS}
    assert chat_settings.load_settings(written_out) == chat_settings.Settings()


def test_the_chat_settings_are_built_from_the_environment_on_first_use_and_kept(monkeypatch, clear_caches):
    monkeypatch.setenv("CHAT_TIMEOUT_SECONDS", "5")
    first = chat_settings.settings()
    monkeypatch.setenv("CHAT_TIMEOUT_SECONDS", "not a number")
    assert chat_settings.settings() is first and first.timeout_seconds == 5


@pytest.mark.parametrize(
    "name", ["a:b", "back\\slash", "x/action/y", "n" * 101], ids=["colon", "backslash", "action", "101 chars"]
)
def test_a_budget_name_aws_budgets_refuses_is_refused_naming_the_variable(name):
    with pytest.raises(ConfigurationError, match=r"MONTHLY_BUDGET_NAME=.* is not allowed: set it to a budget's name"):
        load_settings({"MONTHLY_BUDGET_NAME": name})


def test_a_budget_name_is_read_and_refused_beside_a_typed_monthly_budget():
    assert load_settings({"MONTHLY_BUDGET_NAME": " Org monthly "}).monthly_budget_name == "Org monthly"
    with pytest.raises(ConfigurationError, match="MONTHLY_BUDGET_NAME='x' and MONTHLY_BUDGET='5' are both set"):
        load_settings({"MONTHLY_BUDGET_NAME": "x", "MONTHLY_BUDGET": "5"})


def test_the_budget_name_rule_is_botocores_model_of_describe_budget():
    import botocore.session
    from fetch_costs.settings import BUDGET_NAME

    shape = botocore.session.get_session().get_service_model("budgets").shape_for("BudgetName")
    aws = re.compile(shape.metadata["pattern"].replace("(?i)", ""), re.IGNORECASE)
    for name in ("Org monthly", "a:b", "x/action/y", "back\\slash", "émoji 💸", "a/b"):
        assert bool(BUDGET_NAME.fullmatch(name)) == bool(aws.fullmatch(name)), name
    assert (shape.metadata["min"], shape.metadata["max"]) == (1, 100)
