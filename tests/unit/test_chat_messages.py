"""The chat messages (render_email.chat): for Slack, Teams, Google Chat and the generic JSON webhook, the
message has its platform's structure, says what the email says (the same strings), cuts long lists to
"Other (N)" with the right N, makes names from the report inert in each platform's markup, ends with the
email note only when the report is also emailed, and stays within every documented limit for the worst
organisation we can build. Report models are made the way production makes them (tests/unit/test_render.py)."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fetch_costs.settings import ReportSettings
from render_email.chat import CHANNEL_TYPES, google_chat, limits, render_chat, slack, teams, webhook
from render_email.chat.fit import Platform, budgets, fitted
from render_email.chat.limits import chars, message_bytes
from render_email.chat.markup import chat_html, clip, slack_mrkdwn, slack_text, teams_markdown
from render_email.chat.summary import EMAIL_NOTE, FLAG_KINDS, LINK_TEXT, Budget, summarise
from render_email.money import Change
from render_email.render import build_view, render_report
from render_email.request import RenderRequest
from render_email.view import AnomalyRow, Lines, MoverRow, NewRow, ReportView, Row
from report_contract.limits import ALERTS, FLAGS
from report_contract.period import PERIOD_KINDS

from tests.fixtures.cost_explorer_answers import every_day
from tests.json_schema import SchemaError, errors
from tests.unit.test_render import DAY, D, model, worst_case

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "chat-webhook.schema.json").read_text(encoding="utf-8"))
FIRST_SENT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def busy_rows(day):
    """12 steady services, a CloudWatch spike on the report day (an anomaly), Bedrock new since the 18th."""
    rows = [(f"Service {i:02d}", "Usage", str(100 - 5 * i)) for i in range(12)]
    rows.append(("Amazon CloudWatch", "Usage", "50.40" if day == DAY else "7.20"))
    return rows + ([("Amazon Bedrock", "Usage", "3.78")] if day >= DAY - timedelta(days=2) else [])


def busy_view(first_sent: datetime | None = None) -> ReportView:
    """14 services (the top 10 and Other (4 services)), an anomaly, a new service, over the daily budget."""
    report = model(busy_rows, settings_=ReportSettings(top_services=10, daily_budget=D("500")))
    return build_view(report, first_sent)


# --- Reading a message back: its visible texts, unescaped --------------------------------------------------


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


def slack_objects(message: dict) -> list[dict]:
    """Every text object of a Slack message (plain_text or mrkdwn)."""
    return [n for n in walk(message["blocks"]) if isinstance(n, dict) and n.get("type") in ("plain_text", "mrkdwn")]


def teams_card(message: dict) -> dict:
    return message["attachments"][0]["content"]


def teams_markdowns(message: dict) -> list[str]:
    """Every text of the card that Teams reads as markdown: TextBlock text, Fact title and value."""
    found = []
    for node in walk(teams_card(message)["body"]):
        if isinstance(node, dict) and node.get("type") == "TextBlock":
            found.append(node["text"])
        if isinstance(node, dict) and set(node) == {"title", "value"}:
            found += [node["title"], node["value"]]
    return found


def google_card(message: dict) -> dict:
    return message["cardsV2"][0]["card"]


def google_html(message: dict) -> list[str]:
    """Every text of the card that Chat reads as HTML: textParagraph and decoratedText text."""
    card = google_card(message)
    return [w[kind]["text"] for s in card["sections"] for w in s["widgets"] for kind in w if "text" in w[kind]]


def google_plain(message: dict) -> list[str]:
    """The card's texts that hold only our own words: header, section headers, labels, button."""
    card = google_card(message)
    found = [card["header"]["title"], card["header"]["subtitle"]]
    found += [s["header"] for s in card["sections"] if "header" in s]
    for widget in (w for s in card["sections"] for w in s["widgets"]):
        found += (
            [widget["decoratedText"].get(k, "") for k in ("topLabel", "bottomLabel")]
            if "decoratedText" in widget
            else []
        )
        found += [b["text"] for b in widget["buttonList"]["buttons"]] if "buttonList" in widget else []
    return found


def unescape_slack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def unescape_markdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def unescape_html(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text.replace("<br>", "\n")))


def visible(kind: str, message: dict) -> str:
    """What a reader sees of the message, as one text, every escape undone."""
    if kind == "slack":
        return "\n".join(
            [unescape_slack(message["text"])] + [unescape_slack(o["text"]) for o in slack_objects(message)]
        )
    if kind == "teams":
        actions = [a["title"] for a in teams_card(message)["actions"]]
        return "\n".join([unescape_markdown(t) for t in teams_markdowns(message)] + actions)
    if kind == "google_chat":
        return "\n".join([message["fallbackText"], *map(unescape_html, google_html(message)), *google_plain(message)])
    return "\n".join(n for n in walk(message) if isinstance(n, str))


def link(kind: str, message: dict) -> str:
    if kind == "slack":
        return next(e["url"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    if kind == "teams":
        return teams_card(message)["actions"][0]["url"]
    if kind == "google_chat":
        widgets = [w for s in google_card(message)["sections"] for w in s["widgets"] if "buttonList" in w]
        return widgets[0]["buttonList"]["buttons"][0]["onClick"]["openLink"]["url"]
    return message["consoleUrl"]


# --- The interface ---------------------------------------------------------------------------------------


def test_the_channel_types_are_the_four_platforms() -> None:
    assert CHANNEL_TYPES == ("slack", "teams", "google_chat", "webhook")


def test_an_unknown_channel_type_is_refused_naming_it_and_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"'discord'.*slack, teams, google_chat, webhook"):
        render_chat("discord", busy_view(), emailed=True)


# --- Structure, per platform ------------------------------------------------------------------------------


def test_slack_is_a_block_kit_message_with_a_notification_text_and_a_button() -> None:
    view = busy_view()
    message = render_chat("slack", view, emailed=True)
    assert set(message) == {"text", "blocks"} and message["text"].startswith(view.subject)
    types = [block["type"] for block in message["blocks"]]
    assert types[0] == "header" and types[-2:] == ["actions", "context"]
    assert set(types) <= {"header", "context", "section", "divider", "actions"}
    button = message["blocks"][-2]["elements"][0]
    assert button == {"type": "button", "text": {"type": "plain_text", "text": LINK_TEXT}, "url": view.console_url}


def test_teams_is_an_adaptive_card_in_a_workflows_message() -> None:
    message = render_chat("teams", busy_view(), emailed=True)
    assert message["type"] == "message" and len(message["attachments"]) == 1
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive" and attachment["contentUrl"] is None
    card = attachment["content"]
    assert (card["type"], card["$schema"], card["version"]) == (
        "AdaptiveCard",
        "http://adaptivecards.io/schemas/adaptive-card.json",
        "1.4",
    )
    assert {element["type"] for element in card["body"]} == {"TextBlock", "FactSet"}
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": LINK_TEXT, "url": busy_view().console_url}]


def test_google_chat_is_a_cards_v2_message_with_a_fallback_text() -> None:
    view = busy_view()
    message = render_chat("google_chat", view, emailed=True)
    assert set(message) == {"fallbackText", "cardsV2"} and message["fallbackText"].startswith(view.subject)
    [entry] = message["cardsV2"]
    assert entry["cardId"] == "cost-report" and entry["card"]["header"] == {
        "title": "AWS daily cost",
        "subtitle": "Fri 20 Nov 2026",
    }
    kinds = {kind for section in entry["card"]["sections"] for widget in section["widgets"] for kind in widget}
    assert kinds == {"textParagraph", "decoratedText", "buttonList"}
    assert link("google_chat", message) == view.console_url


@pytest.mark.parametrize("emailed", [True, False])
def test_the_webhook_json_follows_its_schema(emailed: bool) -> None:
    message = render_chat("webhook", busy_view(FIRST_SENT), emailed=emailed)
    assert errors(message, SCHEMA) == []
    assert message["schema"] == webhook.SCHEMA == SCHEMA["properties"]["schema"]["const"]


def test_the_schema_check_is_not_vacuous() -> None:
    message = render_chat("webhook", busy_view(), emailed=True)
    broken = {**message, "total": {**message["total"], "amount": 12.5}, "extra": 1}
    del broken["flags"]
    found = errors(broken, SCHEMA)
    assert any("total.amount" in e for e in found) and any("extra" in e for e in found)
    assert any("flags is required" in e for e in found)
    with pytest.raises(SchemaError, match="does not know"):
        errors({}, {"type": "object", "patternProperties": {}})


def test_the_schema_names_the_codes_the_code_uses() -> None:
    defs = SCHEMA["$defs"]
    assert SCHEMA["properties"]["status"]["properties"]["alerts"]["items"]["enum"] == list(ALERTS)
    assert defs["flag"]["properties"]["kind"]["enum"] == list(FLAG_KINDS)
    assert defs["line"]["properties"]["flags"]["items"]["enum"] == list(FLAGS)
    assert defs["report"]["properties"]["period"]["properties"]["kind"]["enum"] == list(PERIOD_KINDS)
    assert SCHEMA["properties"]["lines"]["maxItems"] == limits.WEBHOOK_TOP_LINES + 1  # one left: listed
    assert SCHEMA["properties"]["movers"]["maxItems"] == limits.TOP_MOVERS
    assert defs["line"]["properties"]["label"]["maxLength"] == limits.LABEL_CHARS


# --- The same figures as the email ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CHANNEL_TYPES)
def test_a_message_shows_the_emails_figures_as_the_email_writes_them(kind: str) -> None:
    report = model(busy_rows, settings_=ReportSettings(top_services=10, daily_budget=D("500")))
    view, email = build_view(report), render_report(report)
    seen = visible(kind, render_chat(kind, view, emailed=True))
    figures = [view.total, view.total_label, *(s.value for s in view.changes + view.stats)]
    figures += [row.amount for row in view.rows[: limits.TOP_LINES]] + [row.label for row in view.rows[:5]]
    for figure in figures:
        assert figure in seen and figure in email.html + email.text
    assert link(kind, render_chat(kind, view, emailed=True)) == view.console_url


def test_the_webhook_carries_exact_amounts_and_the_emails_strings() -> None:
    view = busy_view()
    message = render_chat("webhook", view, emailed=True)
    assert message["total"] == {
        "amount": f"{view.total_units // 100}.{view.total_units % 100:02d}",
        "currency": "USD",
        "display": view.total,
        "label": "Unblended cost",
        "estimated": False,
    }
    assert [(line["label"], line["display"]) for line in message["lines"]] == [
        (r.label, r.amount) for r in view.rows[:10]
    ]
    assert message["lines"][0]["amount"] == view.rows[0].amount.replace("$", "").replace(",", "")
    assert [f["value"] for f in message["changes"] + message["stats"]] == [s.value for s in view.changes + view.stats]
    assert message["report"]["period"] == {"kind": "day", "start": "2026-11-20", "end": "2026-11-21"}
    status = {"alerts": ["anomaly", "overBudget", "newService"], "resent": False}
    assert message["status"] == {**status, "text": "⚠ Anomaly · Over budget · New service"}


def test_yen_amounts_have_no_decimals_in_the_json() -> None:
    view = build_view(model(every_day([("Svc", "Usage", "1234.5")]), currency="JPY"))
    message = render_chat("webhook", view, emailed=False)
    assert (message["total"]["amount"], message["total"]["display"]) == ("1235", "¥1,235")
    assert errors(message, SCHEMA) == []


def test_the_status_is_the_subjects_status_words_with_resent_first() -> None:
    view = busy_view(FIRST_SENT)
    summary = summarise(view, emailed=True, budget=next(budgets(limits.TOP_LINES)))
    assert summary.status == "Resent · ⚠ Anomaly · Over budget · New service" and summary.warning
    assert view.subject.startswith("Resent · ⚠ Anomaly")
    assert [flag.kind for flag in summary.flags] == ["resent", "overBudget", "anomaly", "newService"]
    assert summary.flags[0].text == view.resent and summary.flags[1].text.startswith("Over budget: $")


# --- Long lists: the top N, then Other (N) ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["slack", "teams", "google_chat"])
def test_a_chat_message_shows_the_top_5_lines_and_folds_the_rest_into_other(kind: str) -> None:
    view = busy_view()  # 10 services and the email's "Other (4 services)"
    rest = view.rows[limits.TOP_LINES :]
    amount = f"${sum(row.units for row in rest) / 100:,.2f}"
    seen = visible(kind, render_chat(kind, view, emailed=True))
    assert f"Other (9 services): {amount}" in seen or f"Other (9 services)\n{amount}" in seen
    assert view.rows[4].label in seen and view.rows[5].label not in seen


def test_the_webhook_keeps_10_lines_and_the_emails_own_other() -> None:
    view = busy_view()
    message = render_chat("webhook", view, emailed=True)
    assert len(message["lines"]) == 10 and message["other"]["label"] == view.rows[-1].label == "Other (4 services)"
    assert message["other"]["count"] == 4 and message["other"]["change"] == view.rows[-1].change.short


def test_the_listed_lines_and_other_add_up_to_the_emails_rows() -> None:
    view = busy_view()
    for keep in range(12):
        summary = summarise(view, emailed=True, budget=Budget(keep, 3, 3))
        shown = [line.units for line in summary.lines] + ([summary.other.units] if summary.other else [])
        assert sum(shown) == sum(row.units for row in view.rows)
        assert len(summary.lines) + (summary.other.count if summary.other else 0) == 14


def test_a_single_line_left_over_is_shown_rather_than_other_1_service() -> None:
    view = build_view(model(every_day([(f"Svc {i}", "Usage", str(10 + i)) for i in range(6)])))
    summary = summarise(view, emailed=True, budget=Budget(5, 3, 3))
    assert len(summary.lines) == 6 and summary.other is None


def test_a_message_that_does_not_fit_gives_up_lines_into_other_then_movers_then_listed_items() -> None:
    view = busy_view()
    two_lines = Platform(webhook.build, lambda m: len(m["lines"]) <= 2, limits.WEBHOOK_TOP_LINES)
    message = fitted(two_lines, view, emailed=True)
    assert len(message["lines"]) == 2 and message["other"]["label"] == "Other (12 services)"
    nothing = Platform(webhook.build, lambda m: not m["lines"] and not m["movers"] and len(m["flags"]) <= 2, 10)
    message = fitted(nothing, view, emailed=True)
    assert message["other"]["count"] == 14 and message["moversMore"] == 2
    assert [(f["kind"], f["more"]) for f in message["flags"]] == [("overBudget", 0), ("anomaly", 1), ("newService", 1)]
    assert [f["text"] for f in message["flags"][1:]] == ["and 1 more anomaly", "and 1 more new service"]


def test_budgets_go_from_the_fullest_message_to_the_smallest() -> None:
    found = list(budgets(2))
    assert found[0] == Budget(2, limits.TOP_MOVERS, limits.TOP_LISTED) and found[-1] == Budget(0, 0, 0)
    assert len(found) == len(set(found)) == 3 + limits.TOP_MOVERS + limits.TOP_LISTED


# --- The email note ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CHANNEL_TYPES)
def test_the_email_note_ends_the_message_only_when_the_report_is_also_emailed(kind: str) -> None:
    view = busy_view()
    emailed, chat_only = render_chat(kind, view, emailed=True), render_chat(kind, view, emailed=False)
    if kind == "webhook":
        assert (emailed["emailed"], chat_only["emailed"]) == (True, False)
        return
    assert EMAIL_NOTE in visible(kind, emailed) and EMAIL_NOTE not in visible(kind, chat_only)


# --- Names are data: escaped for each platform -------------------------------------------------------------

NASTY = [
    "*prod_db*",
    "a|b",
    "<!channel> & <b>x</b>",
    "[x](https://evil.example)",
    "`code` ~strike~",
    "# head",
    "- item",
    "1. first",
    "&amp; &lt;",
]
NASTY_TITLE = "*Ops_team* <#C123|x> & ~co~"


CHUNKS = [NASTY[:5], NASTY[5:]]  # five names a message, so that every one is among the top lines


def nasty_view(names: list[str]) -> ReportView:
    """Services named like markup, the first an anomaly, in a named report whose name is markup too."""
    rows = lambda day: [(n, "Usage", str(90 - i if i or day != DAY else 900)) for i, n in enumerate(names)]
    view = build_view(model(rows, settings_=ReportSettings(top_services=20)))
    lines_of = Lines("Service", "service", NASTY_TITLE, "tag team = <pay|ments> & *ops*, by service")
    return dataclasses.replace(view, lines_of=lines_of, subject=f"⚠ Anomaly · AWS costs Fri 20 Nov, {NASTY_TITLE}: $1")


@pytest.mark.parametrize("names", CHUNKS)
def test_slack_shows_names_in_plain_text_and_escapes_its_control_characters(names: list[str]) -> None:
    message = render_chat("slack", nasty_view(names), emailed=True)
    plain = [unescape_slack(o["text"]) for o in slack_objects(message) if o["type"] == "plain_text"]
    mrkdwn = [o["text"] for o in slack_objects(message) if o["type"] == "mrkdwn"]
    for name in [*names, NASTY_TITLE]:
        assert any(name in text for text in plain) and not any(name in text for text in mrkdwn)
    for text in [message["text"], *(o["text"] for o in slack_objects(message))]:
        assert "<" not in text and ">" not in text and not re.search(r"&(?!amp;|lt;|gt;)", text)
    assert not set("*_~`|") & set(message["text"])  # the notification is mrkdwn: the title made inert
    assert "∗Opsˍteam∗ &lt;#C123∣x&gt; &amp; ∼co∼" in message["text"]


@pytest.mark.parametrize("names", CHUNKS)
def test_teams_escapes_every_markdown_character_of_a_name(names: list[str]) -> None:
    message = render_chat("teams", nasty_view(names), emailed=True)
    texts = teams_markdowns(message)
    for text in texts:
        assert not re.search(r"(?<!\\)(?:\\\\)*[*_~`\[\]<>&]", text), text  # each one preceded by a backslash
        assert not re.match(r"\s*(#|[-+]\s|\d+[.)]\s)", text), text  # no heading or list
    seen = [unescape_markdown(text) for text in texts]
    for name in [*names, NASTY_TITLE]:
        assert any(name in text for text in seen), name


@pytest.mark.parametrize("names", CHUNKS)
def test_google_chat_escapes_names_as_html_and_keeps_them_out_of_labels(names: list[str]) -> None:
    message = render_chat("google_chat", nasty_view(names), emailed=True)
    for text in google_html(message):
        assert {tag for tag in re.findall(r"</?(\w+)", text)} <= {"b", "i", "br", "font"}
    seen = [unescape_html(text) for text in google_html(message)]
    for name in [*names, NASTY_TITLE]:
        assert any(name in text for text in seen), name
    assert not any(name in text for name in NASTY + [NASTY_TITLE] for text in google_plain(message))


def test_the_webhook_carries_names_as_they_are() -> None:
    message = render_chat("webhook", nasty_view(NASTY), emailed=True)
    assert {line["label"] for line in message["lines"]} == set(NASTY) and message["other"] is None
    assert message["report"]["name"] == NASTY_TITLE and errors(message, SCHEMA) == []


@pytest.mark.parametrize(
    ("escape", "text", "expected"),
    [
        (slack_text, "a & <b> > c", "a &amp; &lt;b&gt; &gt; c"),
        (slack_mrkdwn, "*x*_y_~z~`w`|v <a>", "∗x∗ˍyˍ∼z∼ˋwˋ∣v &lt;a&gt;"),
        (
            teams_markdown,
            "*x* _y_ [l](u) `c` ~s~ <a> & \\",
            "\\*x\\* \\_y\\_ \\[l\\](u) \\`c\\` \\~s\\~ \\<a\\> \\& \\\\",
        ),
        (teams_markdown, "# h\n- i\n+ j\n12. k\n3) l", "\\# h\n\\- i\n\\+ j\n12\\. k\n3\\) l"),
        (teams_markdown, "-$1.20 #1 1.5% 2026-11-20", "-$1.20 #1 1.5% 2026-11-20"),
        (chat_html, '<b>x</b> & "y"', '&lt;b&gt;x&lt;/b&gt; &amp; "y"'),
    ],
)
def test_each_escape(escape, text: str, expected: str) -> None:
    assert escape(text) == expected


@pytest.mark.parametrize("escape", [slack_text, slack_mrkdwn, teams_markdown, chat_html, str])
def test_clip_cuts_before_escaping_so_an_escape_is_never_cut_in_half(escape) -> None:
    text = "&<>*_🚀" * 50
    for limit in (1, 2, 5, 7, 13, 150):
        cut = clip(text, limit, escape)
        assert chars(cut) <= limit and cut.endswith("…")
        assert any(escape(text[:keep]).rstrip() == cut[:-1] for keep in range(len(text)))  # a whole escape
    assert clip("short", 150, escape) == escape("short")


def test_characters_are_counted_as_utf16_units() -> None:
    assert (chars("abc"), chars("🚀"), chars("名前")) == (3, 2, 2)
    as_ascii, as_utf16 = len(b'{"a": "\\u00e9"}'), 2 * len('{"a": "é"}')  # the larger of its serialisations
    assert message_bytes({"a": "é"}) == as_ascii and message_bytes({"a": "é"}, utf16=True) == as_utf16


# --- The limits, for the worst organisation we can build -------------------------------------------------

NAME_PART = "<&>*_|~`🚀名"  # every markup character, an emoji and a wide character


def long_name(i: int) -> str:
    return (f"{i:03d} " + NAME_PART * 30)[:256]


def worst_view() -> ReportView:
    """The largest report the contract allows, then more than it allows: 400 services, 300 anomalies, 300
    new services, 200 movers each way, every name 256 characters of markup and emoji, a 256-character name
    and a 300-character scope."""
    view = build_view(RenderRequest.from_event({"reportDate": DAY.isoformat(), "costs": worst_case("<&>🚀")}).costs)
    change = Change("+$99,999,999,999,999.99", "+99,999%", 1)
    rows = tuple(
        Row(long_name(i), 10**17, "$999,999,999,999,999.99", "99.9%", change, (), "▁" * 14, ("New", "Anomaly"))
        for i in range(400)
    )
    other = Row("Other (1,000,000 services)", 10**17, "$999,999,999,999,999.99", "", change, (), "", (), True, 10**6)
    anomaly = lambda i: AnomalyRow(long_name(i), "$999,999,999,999,999.99", "$1.00", change, "Wed 18 Nov")
    mover = lambda i: MoverRow(long_name(i), "$999,999,999,999,999.99", "$999,999,999,999,999.99", change)
    return dataclasses.replace(
        view,
        services=dataclasses.replace(view.services, rows=(*rows, other)),
        alerts=dataclasses.replace(
            view.alerts,
            anomalies=tuple(anomaly(i) for i in range(300)),
            anomalies_more=10**6,
            new_services=tuple(NewRow(long_name(i), "Wed 18 Nov", "$1.00") for i in range(300)),
            new_more=10**6,
        ),
        increases=tuple(mover(i) for i in range(200)),
        decreases=tuple(mover(i) for i in range(200)),
        lines_of=Lines("Service", "service", long_name(999), (NAME_PART * 40)[:300]),
        resent=f"Resent on request: first sent {NAME_PART}",
    )


def test_the_limits_are_the_documented_numbers() -> None:
    assert (limits.SLACK_BLOCKS, limits.SLACK_SECTION_TEXT_CHARS, limits.SLACK_HEADER_CHARS) == (50, 3000, 150)
    assert (limits.SLACK_SECTION_FIELDS, limits.SLACK_FIELD_CHARS, limits.SLACK_CONTEXT_ELEMENTS) == (10, 2000, 10)
    assert (limits.SLACK_BUTTON_TEXT_CHARS, limits.SLACK_URL_CHARS, limits.SLACK_TEXT_CHARS) == (75, 3000, 40_000)
    assert (limits.TEAMS_MESSAGE_BYTES, limits.GOOGLE_CHAT_MESSAGE_BYTES) == (28_000, 32_000)
    assert (limits.GOOGLE_CHAT_TEXT_CHARS, limits.GOOGLE_CHAT_CARD_WIDGETS) == (4096, 100)


def assert_slack_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= 50 and 1 <= chars(message["text"]) <= 40_000
    assert message_bytes(message) <= limits.SLACK_MESSAGE_BYTES
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and chars(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert chars(block.get("text", {}).get("text", "")) <= 3000 and len(block.get("fields", [])) <= 10
            assert all(chars(field["text"]) <= 2000 for field in block.get("fields", []))
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
        if block["type"] == "actions":
            button = block["elements"][0]
            assert chars(button["text"]["text"]) <= 75 and chars(button["url"]) <= 3000
    assert all(1 <= chars(o["text"]) <= 3000 for o in slack_objects(message))


@pytest.mark.parametrize("emailed", [True, False])
def test_the_worst_organisation_fits_every_platform(emailed: bool) -> None:
    view = worst_view()
    assert_slack_limits(render_chat("slack", view, emailed=emailed))
    assert message_bytes(render_chat("teams", view, emailed=emailed), utf16=True) <= 28_000
    chat = render_chat("google_chat", view, emailed=emailed)
    assert message_bytes(chat) <= 32_000 and google_chat.widget_count(chat) <= 100
    assert chars(chat["fallbackText"]) <= 4096
    message = render_chat("webhook", view, emailed=emailed)
    assert message_bytes(message) <= limits.WEBHOOK_MESSAGE_BYTES and errors(message, SCHEMA) == []
    assert message["other"]["count"] == 400 - len(message["lines"]) + 10**6


@pytest.mark.parametrize("platform", [slack.PLATFORM, teams.PLATFORM, google_chat.PLATFORM, webhook.PLATFORM])
def test_the_smallest_message_of_the_worst_organisation_fits_by_construction(platform: Platform) -> None:
    summary = summarise(worst_view(), emailed=True, budget=Budget(0, 0, 0))
    assert platform.fits(platform.build(summary))


SIZE_LIMITS = {
    "slack": (slack, "SLACK_MESSAGE_BYTES"),
    "teams": (teams, "TEAMS_MESSAGE_BYTES"),
    "google_chat": (google_chat, "GOOGLE_CHAT_MESSAGE_BYTES"),
    "webhook": (webhook, "WEBHOOK_MESSAGE_BYTES"),
}


@pytest.mark.parametrize("kind", CHANNEL_TYPES)
def test_a_message_over_its_platforms_size_gives_up_lines_into_other_until_it_fits(kind: str, monkeypatch) -> None:
    """GIVEN a platform whose size limit only a message of two lines fits WHEN the worst organisation is
    rendered for it THEN the message holds two lines and Other adds up the rest."""
    view, (module, name) = worst_view(), SIZE_LIMITS[kind]
    platform = module.PLATFORM
    two_lines = platform.build(summarise(view, emailed=True, budget=Budget(2, limits.TOP_MOVERS, limits.TOP_LISTED)))
    monkeypatch.setattr(module, name, message_bytes(two_lines, utf16=kind == "teams"))
    message = render_chat(kind, view, emailed=True)
    assert message == two_lines and platform.fits(message)
    assert "Other (1,000,398 services)" in visible(kind, message)


@pytest.mark.parametrize("kind", CHANNEL_TYPES)
def test_the_worst_organisation_keeps_the_top_lines_and_says_how_many_more(kind: str) -> None:
    view = worst_view()
    seen = visible(kind, render_chat(kind, view, emailed=True))
    assert "Other (1,000,3" in seen  # 1,000,000 and the rows given up
    assert "and 1,000,29" in seen or kind == "webhook"  # the anomalies and new services given up


def test_the_largest_report_the_contract_allows_keeps_every_figure_in_chat() -> None:
    costs = worst_case('<&">🚀名前')
    view = build_view(RenderRequest.from_event({"reportDate": DAY.isoformat(), "costs": costs}).costs)
    for kind in CHANNEL_TYPES:
        message = render_chat(kind, view, emailed=True)
        assert view.total in visible(kind, message) and len(visible(kind, message)) > 1000


# --- Periods and special days -----------------------------------------------------------------------------


def test_a_day_with_no_spend_says_so_and_lists_no_lines() -> None:
    view = build_view(model(lambda day: [("Svc", "Usage", "0" if day == DAY else "1")]))
    message = render_chat("webhook", view, emailed=True)
    assert message["lines"] == [] and message["other"] is None
    assert message["flags"][-1] == {
        "kind": "noSpend",
        "label": None,
        "text": "No AWS spend was recorded for Fri 20 Nov 2026.",
        "more": 0,
    }
    assert "No AWS spend was recorded" in visible("slack", render_chat("slack", view, emailed=True))
