"""Fallback parser for prose complaints: structure first, then the human text.

Responsibility: anything no specific parser claimed. In order:

1. the text: the body, textual attachments (logs, CSV, JSON, HTML, attached originals),
   long URLs the mailer broke across lines put back together (``indicators``);
2. its structure (``structure``): labelled fields and tables by what their labels mean,
   pasted mail headers (only the hop into the reporter's side is the sender), the
   reporter's own side named in the sentences;
3. is it a complaint at all (``correspondence``): acknowledgements, "not our customer",
   rejections, newsletters... are filed as correspondence without events;
4. the prose pass (``indicators.extract``) for what the structure did not mark, without
   boilerplate (signatures, disclaimers, reference lines), the reporter's infrastructure,
   lookup/archive/brand/social links (``sites``) and links that merely name another
   indicator (a WHOIS page for the reported address, an archived copy of the reported
   page);
5. the kind of abuse (``classify``), with the rule that decided carried on each event.

A complaint with no events is still a result: the pipeline quarantines it as
"no-indicators".

Boundary: no format detection beyond "always"; it never raises for odd content.
"""

from __future__ import annotations

import dataclasses
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr
from urllib.parse import unquote

from . import classify, correspondence, indicators, structure
from .base import ParsedEvent, ParseResult
from .indicators import Indicator
from .mime import Document, decode_header_value
from .sites import registrable
from .util import normalize_domain, normalize_ip, parse_time

MAX_EVENTS = 100


class FreetextParser:
    name = "freetext"

    def detect(self, doc: Document) -> bool:
        return True

    def parse(self, doc: Document) -> ParseResult:
        body = indicators.join_broken_urls(doc.body_text())
        exclusions = indicators.reporter_exclusions(doc)
        # The mail's own date dates log lines that name no year (syslog).
        reference = parse_time(doc.header("Date"))
        from_address = doc.from_address
        sender = registrable(from_address.rsplit("@", 1)[1]) if from_address else None
        reading = structure.read(doc, body, exclusions, reference, sender)
        verdict = correspondence.judge(
            doc,
            body,
            evidence_fields=lambda own: structure.labelled_evidence(own, exclusions, sender),
        )
        if verdict is not None:
            return self._correspondence(doc, verdict, body)

        text, references = _without_boilerplate(reading.prose)
        prose = indicators.extract(f"{doc.subject}\n{text}", exclusions, reference)
        found = _merge(reading.found, prose)
        found += _taken_back(references, found, exclusions, reference)
        # The subject is the complaint's own words too ("Scanning from 192.0.2.7").
        own, named_as_source = structure.roles_in_prose(
            f"{doc.subject}\n{text}", prose, reading.relays
        )
        set_aside = reading.set_aside | own | (reading.relays - named_as_source)
        found = [i for i in found if i.value not in set_aside and not _names_another(i, found)]

        layout = structure.sender_layout(sender)
        verdict_type = classify.classify(
            subject=doc.subject,
            body=text,
            labels=reading.kind_labels,
            default=layout.default_type if layout else None,
        )
        type_ = verdict_type.type if verdict_type else "undetermined"
        rule = verdict_type.rule if verdict_type else ""
        events = [
            dataclasses.replace(event, rule=rule)
            for event in indicators.to_events(found, type_)[:MAX_EVENTS]
        ]
        known = {e.ip for e in events} | set_aside
        events.extend(_forwarded_origins(doc, exclusions, type_, rule, known))
        return ParseResult(
            format=self.name,
            events=events,
            is_complaint=True,
            kind="complaint",
            reporter_address=from_address,
            reporter_name=_display_name(doc.header("From")),
            subject=doc.subject,
            summary=f"{type_} complaint, {len(events)} indicator(s) found",
            evidence=indicators.excerpt(text),
            has_logs_or_headers=reading.pasted_headers
            or indicators.has_logs_or_headers(reading.prose),
            data={"guessed_type": type_, "classified_by": rule},
        )

    def _correspondence(
        self, doc: Document, verdict: correspondence.Verdict, body: str
    ) -> ParseResult:
        return ParseResult(
            format=self.name,
            is_complaint=False,
            kind=verdict.kind,
            reporter_address=doc.from_address,
            reporter_name=_display_name(doc.header("From")),
            subject=doc.subject,
            summary=f"not a complaint ({verdict.rule})",
            evidence=indicators.excerpt(body),
            data={"correspondence": verdict.rule},
        )


def _without_boilerplate(prose: str) -> tuple[str, str]:
    """The body's and each attachment's text without its own boilerplate (a sign-off in
    the body must not swallow the log attached after it), and the reference lines."""
    texts, references = [], []
    for chunk in prose.split(structure.CHUNK_BREAK):
        text, refs = indicators.split_boilerplate(chunk)
        texts.append(text)
        references.append(refs)
    return "\n".join(texts), "\n".join(r for r in references if r)


def _merge(first: list[Indicator], then: list[Indicator]) -> list[Indicator]:
    seen = set()
    out = []
    for item in first + then:
        if (item.kind, item.value) not in seen:
            seen.add((item.kind, item.value))
            out.append(item)
    return out


def _sites(found: list[Indicator]) -> set[str]:
    out = set()
    for item in found:
        host = indicators.url_host(item.value) if item.kind == "url" else item.value
        if normalize_ip(host) is None and (domain := normalize_domain(host)):
            out.add(registrable(domain))
    return out


def _taken_back(
    references: str, found: list[Indicator], exclusions: indicators.Exclusions, reference
) -> list[Indicator]:
    """Links of the reference lines that lie on a site the complaint reports ("see also
    https://copycat.example/gallery"): another page of the abuse, not reading material."""
    if not references:
        return []
    reported = _sites(found)
    known = {(i.kind, i.value) for i in found}
    return [
        item
        for item in indicators.extract(references, exclusions, reference)
        if item.kind == "url"
        and _sites([item]) <= reported
        and (item.kind, item.value) not in known
        and _sites([item])
    ]


def _names_another(item: Indicator, found: list[Indicator]) -> bool:
    """A link whose path or query names another reported address, host or URL — a
    WHOIS/RDAP page, a reputation lookup, a scan report or an archived copy of it — is
    about that indicator, not the abuse itself."""
    if item.kind != "url":
        return False
    host = indicators.url_host(item.value).lower()
    rest = unquote(item.value.split("://", 1)[-1][len(host) :]).lower()
    if len(rest) < 4:
        return False
    for other in found:
        value = other.value.lower()
        if other.kind == "url":
            value = indicators.url_host(value).lower()
        if value and value != host and value in rest and registrable(value) != registrable(host):
            return True
    return False


def _forwarded_origins(
    doc: Document,
    exclusions: indicators.Exclusions,
    type_: str,
    rule: str,
    known: set[str | None],
) -> list[ParsedEvent]:
    """For a forwarded spam or phish, the hop that delivered the original to the reporter
    (Received chain of the attached message), when it is a public address."""
    if type_ not in ("spam", "phishing", "malware-distribution"):
        return []
    events = []
    for part in doc.find("message/rfc822")[:5]:
        head = HeaderParser(policy=compat32).parsestr(
            part.text()[: doc.limits.max_header_bytes], headersonly=True
        )
        received = [decode_header_value(v) for v in head.get_all("Received", [])]
        ip = indicators.origin_ip_from_received(received, exclusions)
        if ip and ip not in known:
            known.add(ip)
            events.append(
                ParsedEvent(
                    type=type_,
                    ip=ip,
                    observed_at=parse_time(decode_header_value(head.get("Date", ""))),
                    evidence="Received chain of the forwarded message",
                    rule=rule,
                )
            )
    return events


def _display_name(value: str) -> str | None:
    name, _addr = parseaddr(value)
    return name.strip()[:200] or None


PARSER = FreetextParser()
