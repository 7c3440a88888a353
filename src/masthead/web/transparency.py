"""The public transparency page (the report as charts, for any range of days) and each channel's public ledger."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.errors import MastheadError
from masthead.services.channels import access_channel
from masthead.transparency.ledger import channel_ledger
from masthead.transparency.report import parse_day, transparency_report
from masthead.verification.service import badges_for
from masthead.web.charts import Bar, Column, bar_chart, column_chart
from masthead.web.errors import MESSAGES
from masthead.web.forms import Form
from masthead.web.i18n import N_
from masthead.web.render import context_of, gettext, render
from masthead.web.site import Page

MESSAGES.update({"invalid_date": N_("Enter a date like 2026-11-01.")})

# Words for the codes of the EU DSA Transparency Database schema and Masthead's outcomes and actions.
WORDS: dict[str, str] = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE": N_("Animal welfare"),
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION": N_("Consumer information"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE": N_("Cyber violence"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN": N_("Cyber violence against women"),
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": N_("Data protection and privacy"),
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": N_("Illegal or harmful speech"),
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": N_("Intellectual property"),
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": N_("Civic discourse or elections"),
    "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR": N_("Non-consensual behaviour"),
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE": N_("Not specified in the notice"),
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": N_("Other breach of the terms"),
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT": N_("Pornography or sexualised content"),
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": N_("Protection of minors"),
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": N_("Risk for public security"),
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": N_("Scams and fraud"),
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE": N_("Scope of the service"),
    "STATEMENT_CATEGORY_SELF_HARM": N_("Self-harm"),
    "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS": N_("Unsafe and illegal products"),
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS": N_("Unsafe and prohibited products"),
    "STATEMENT_CATEGORY_VIOLENCE": N_("Violence"),
    "DECISION_VISIBILITY_CONTENT_REMOVED": N_("Removed"),
    "DECISION_VISIBILITY_CONTENT_DISABLED": N_("Held back"),
    "DECISION_VISIBILITY_CONTENT_DEMOTED": N_("Reach limited"),
    "DECISION_VISIBILITY_CONTENT_LABELLED": N_("Labelled"),
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED": N_("Age restricted"),
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED": N_("Interaction restricted"),
    "DECISION_VISIBILITY_OTHER": N_("Other restriction"),
    "AUTOMATED_DECISION_FULLY": N_("Fully automated"),
    "AUTOMATED_DECISION_PARTIALLY": N_("Partly automated (held for a person)"),
    "AUTOMATED_DECISION_NOT_AUTOMATED": N_("Decided by a person"),
    "SOURCE_ARTICLE_16": N_("A report from someone"),
    "SOURCE_TRUSTED_FLAGGER": N_("A trusted flagger"),
    "SOURCE_VOLUNTARY": N_("Masthead's own initiative"),
    "automated": N_("Found automatically"),
    "human": N_("Found by a person"),
    "publish": N_("Published"),
    "label": N_("Labelled"),
    "limit": N_("Reach limited"),
    "hold": N_("Held for review"),
    "reject": N_("Rejected"),
    "remove": N_("Removed"),
    "refute": N_("Refuted as a rumour"),
    "approve": N_("Released by a moderator"),
    "restore": N_("Restored"),
    "uphold": N_("Appeal upheld the restriction"),
    "overturn": N_("Reversed on appeal"),
    "pending": N_("Not decided yet"),
    "policy": N_("Policy rule"),
    "moderator": N_("Moderator"),
}


def words(request: Request, code: str) -> str:
    """The code in words in the reader's language; an unknown code as it is."""
    return gettext(request, WORDS[code]) if code in WORDS else code


def _bars(request: Request, counts: Mapping[str, int], *, translate: bool = True) -> list[Bar]:
    bars = [Bar(words(request, code) if translate else code, count) for code, count in counts.items()]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))


def _bar_figure(request: Request, chart_id: str, title: str, bars: list[Bar]) -> dict[str, Any]:
    if bars:
        top = bars[0]
        description = gettext(request, "%(count)d kinds; the most: %(label)s, %(value)d.", count=len(bars),
                              label=top.label, value=top.value)
    else:
        description = gettext(request, "Nothing in this period.")
    return {"id": chart_id, "title": title, "rows": bars,
            "svg": bar_chart(bars, chart_id=chart_id, title=title, description=description) if bars else Markup("")}


def _period_label(request: Request, start: str, unit: str) -> str:
    if unit == "month":
        return start[:7]
    if unit == "week":
        return gettext(request, "week of %(day)s", day=start)
    return start


def _time_figure(request: Request, over_time: dict[str, Any]) -> dict[str, Any]:
    unit = over_time["unit"]
    columns = [Column(_period_label(request, period["start"], unit), (period["automated"], period["human"]))
               for period in over_time["periods"]]
    title = {"day": gettext(request, "Statements of reasons per day"),
             "week": gettext(request, "Statements of reasons per week"),
             "month": gettext(request, "Statements of reasons per month")}[unit]
    if columns:
        busiest = max(columns, key=lambda column: column.total)
        description = gettext(request, "%(count)d periods from %(first)s to %(last)s; the busiest: %(label)s, "
                              "%(value)d.", count=len(columns), first=columns[0].label, last=columns[-1].label,
                              label=busiest.label, value=busiest.total)
    else:
        description = gettext(request, "Nothing in this period.")
    svg = column_chart(columns, chart_id="chart-over-time", title=title, description=description) if columns \
        else Markup("")
    return {"id": "chart-over-time", "title": title, "columns": columns, "svg": svg}


def _range_form(request: Request) -> tuple[Form, datetime | None, datetime | None]:
    form = Form(values={name: request.query_params.get(name, "").strip() for name in ("since", "until")})
    found: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            found[name] = parse_day(form.text(name) or None, name)
        except MastheadError as exc:
            form.fail(request, name, exc)
    since, until = found.get("since"), found.get("until")
    if since is not None and until is not None and until < since:
        form.errors["until"] = gettext(request, "The last day must not be before the first day.")
    # The form asks for the last day to include; the report counts up to the start of the next day.
    return form, since, (until + timedelta(days=1) if until is not None else None)


async def transparency_page(request: Request) -> Response:
    form, since, until = _range_form(request)
    if not form.ok:
        return await render(request, "transparency/report.html", {"form": form, "report": None}, status=422)
    report = await transparency_report(context_of(request), since, until)
    appeals = report["appeals"]["by_outcome"]
    figures = [
        _bar_figure(request, "chart-outcome", gettext(request, "Decisions of the policy by outcome"),
                    _bars(request, report["decisions"]["by_outcome"])),
        _bar_figure(request, "chart-action", gettext(request, "Restrictions by action"),
                    _bars(request, report["by_action"])),
        _bar_figure(request, "chart-rule", gettext(request, "Restrictions by policy rule"),
                    _bars(request, report["by_rule"], translate=False)),
        _bar_figure(request, "chart-category", gettext(request, "Restrictions by category"),
                    _bars(request, report["by_category"])),
        _bar_figure(request, "chart-detection", gettext(request, "How the content was found"),
                    _bars(request, report["by_detection"])),
        _bar_figure(request, "chart-source", gettext(request, "What started it"), _bars(request, report["by_source"])),
        _bar_figure(request, "chart-automation", gettext(request, "Who decided"),
                    _bars(request, report["by_automation"])),
        _bar_figure(request, "chart-appeals", gettext(request, "Appeals by outcome"), _bars(request, appeals)),
    ]
    export_range = "&".join(part for part in (f"since={report['since']}" if report["since"] else "",
                                              f"until={report['until']}" if report["until"] else "") if part)
    return await render(request, "transparency/report.html", {
        "form": form, "report": report, "figures": figures, "over_time": _time_figure(request, report["over_time"]),
        "upheld": appeals.get("uphold", 0), "reversed": report["reversals"],
        "export_range": export_range,
        "automated_percent": None if report["automated_share"] is None else round(100 * report["automated_share"]),
    })


async def ledger_page(request: Request) -> Response:
    ctx = context_of(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    ledger = await channel_ledger(ctx, channel)
    async with ctx.db.read() as connection:
        badges = (await badges_for(connection, [channel.id], ctx.clock.now()))[channel.id]
    return await render(request, "transparency/ledger.html", {
        "channel": channel, "ledger": ledger, "badges": badges, "words": lambda code: words(request, code),
        "now": ctx.clock.now()})


PAGES = [
    Page("/transparency", transparency_page),
    Page("/c/{handle}/ledger", ledger_page),
]
