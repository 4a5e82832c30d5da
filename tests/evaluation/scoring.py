"""The accuracy evaluation: run every message of the evaluation set through the intake's
parsing path and score what comes out against the hand-written expectations.

Responsibility: measuring. The parsing path is the one ``manage.py ingest --json`` takes,
in its pure part: ``mime.load`` then ``registry.parse_document`` (``complaints.intake.filing.pipeline``
does the same per message), then the events' resources as the filing (``pipeline._event_rows``) forms them
(an event with only a URL takes the URL's host as its IP or domain). What needs the
database is left out: the reply check against our own sent Message-IDs and signed reply
addresses (no evaluation message carries either; an answer sent to another desk's ticket
address is read like any mail), blocked reporters, attribution and de-duplication
(``ingest --json`` lists every extracted resource, attributed or not).

Boundary: no Django, no database, no network — it runs as a plain script
(``bench/accuracy.py``) and under pytest (``tests/evaluation/test_accuracy.py``). The
matching rules are in ``tests/evaluation/README.md``; they are implemented here once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from bench/
    sys.path.insert(0, str(REPO))

from complaints.parsers import registry  # noqa: E402
from complaints.parsers.base import Limits, ParseError  # noqa: E402
from complaints.parsers.mime import load  # noqa: E402
from complaints.parsers.util import normalize_domain, normalize_ip  # noqa: E402

from .expectations import CLASS_NAMES, Expect  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "evaluation"
CORPUS = REPO.parent / "shared" / "corpus"
# Written blind to the parsers by someone who never read them, and never tuned against:
# the measure of how the extraction generalises (its README says how it was made).
HELDOUT = REPO / "tests" / "fixtures" / "evaluation_heldout"
SOURCES = ("fixtures", "corpus", "heldout")


# --- running a message ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    ip: str | None
    domain: str | None
    url: str | None
    type: str


@dataclass
class Outcome:
    """What the intake made of one message, in parsing terms."""

    format: str = ""
    kind: str = ""
    is_complaint: bool = False
    events: list[Event] = field(default_factory=list)
    error: str = ""  # the quarantine reason of a ParseError


def pipeline_url_host(url: str) -> tuple[str | None, str | None]:
    """(ip, domain) of a URL's host, as ``complaints.intake.filing.attribution.url_host`` computes it for
    an event that carries only a URL (copied: that module needs Django; a test keeps the
    two in step)."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None, None
    if not host:
        return None, None
    ip = normalize_ip(host)
    return (ip, None) if ip else (None, normalize_domain(host))


def run(raw: bytes, filename: str | None = None) -> Outcome:
    """Parse one message as the intake does; a ParseError is a quarantine (no events)."""
    try:
        result = registry.parse_document(load(raw, limits=Limits(), filename=filename))
    except ParseError as exc:
        return Outcome(format="", kind="quarantined", is_complaint=False, error=exc.reason)
    except RecursionError:
        return Outcome(kind="quarantined", error="mime-too-deep")
    events = []
    for event in result.events:
        ip = normalize_ip(event.ip) if event.ip else None
        domain = normalize_domain(event.domain) if event.domain else None
        url = str(event.url or "").replace("\x00", "\ufffd")[:4000] or None
        if url and not (ip or domain):
            ip, domain = pipeline_url_host(url)
        events.append(Event(ip, domain, url, event.type))
    return Outcome(
        format=result.format, kind=result.kind, is_complaint=result.is_complaint, events=events
    )


# --- normalising both sides ----------------------------------------------------------


def norm_ip(text: str | None) -> str | None:
    if not text:
        return None
    try:
        addr = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def norm_host(text: str | None) -> str | None:
    """A host name for comparison: lower-case, IDNA, no trailing dot, no leading "www."
    (a site named with and without it is the same site); an address stays an address."""
    if not text:
        return None
    text = text.strip().strip("[]")
    ip = norm_ip(text)
    if ip:
        return ip
    name = text.rstrip(".").lower()
    with contextlib.suppress(UnicodeError):
        name = name.encode("idna").decode("ascii")
    return name.removeprefix("www.") or None


def norm_url(text: str | None) -> str | None:
    """A URL for comparison: scheme and host lower-case (host as ``norm_host``), default
    port dropped, fragment dropped, an empty path and one trailing slash ignored; path and
    query otherwise exact."""
    if not text or "://" not in text:
        return None
    try:
        parts = urlsplit(text.strip())
        host = norm_host(parts.hostname)
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port and (scheme, port) not in {("http", 80), ("https", 443), ("ftp", 21)}:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/") if parts.path.endswith("/") else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def url_host(url: str) -> str | None:
    try:
        return norm_host(urlsplit(url).hostname)
    except ValueError:
        return None


# --- judging one message -------------------------------------------------------------


@dataclass(frozen=True)
class Resources:
    """One message's reported resources: each URL once, and each IP or domain once unless
    it is the host of a reported URL (then it is that URL's, not a resource of its own)."""

    urls: frozenset[str]
    bare: frozenset[str]  # IPs and host names not the host of a reported URL
    hosts: frozenset[str]  # every reported IP/host, including the URLs' hosts

    @property
    def count(self) -> int:
        return len(self.urls) + len(self.bare)


def resources(events: Iterable[Event]) -> Resources:
    urls: set[str] = set()
    named: set[str] = set()
    for event in events:
        if event.url and (url := norm_url(event.url)):
            urls.add(url)
        for value in (event.ip, event.domain):
            if value and (host := norm_host(value)):
                named.add(host)
    url_hosts = {h for u in urls if (h := url_host(u))}
    return Resources(frozenset(urls), frozenset(named - url_hosts), frozenset(named | url_hosts))


@dataclass(frozen=True)
class Key:
    """An expectation normalised for comparison."""

    ips: frozenset[str]
    hosts: frozenset[str]
    urls: frozenset[str]
    ok_urls: frozenset[str]
    right_hosts: frozenset[str]  # any resource on these hosts is right

    @classmethod
    def of(cls, expect: Expect) -> Key:
        ips = frozenset(filter(None, map(norm_ip, expect.ips)))
        hosts = frozenset(filter(None, map(norm_host, expect.hosts)))
        urls = frozenset(filter(None, map(norm_url, expect.urls)))
        ok_urls = frozenset(filter(None, (norm_url(v) for v in expect.also_ok if "://" in v)))
        ok_hosts = {norm_host(v) for v in expect.also_ok if "://" not in v}
        right = {*ips, *hosts, *ok_hosts}
        right.update(url_host(u) for u in urls | ok_urls)
        right.discard(None)
        return cls(ips, hosts, urls, ok_urls, frozenset(h for h in right if h))


@dataclass
class Judged:
    name: str
    source: str
    expect: Expect
    outcome: Outcome
    missing: list[str]
    right: list[str]
    wrong: list[str]
    leaked: list[str]  # ``never`` values among the wrong ones
    predicted_type: str | None

    @property
    def reported(self) -> int:
        return len(self.right) + len(self.wrong)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def type_right(self) -> bool:
        return self.predicted_type is not None and self.predicted_type in self.expect.types


def judge(name: str, source: str, expect: Expect, outcome: Outcome) -> Judged:
    key = Key.of(expect)
    got = resources(outcome.events)
    missing = [f"ip {ip}" for ip in sorted(key.ips) if ip not in got.hosts]
    missing += [f"host {h}" for h in sorted(key.hosts) if h not in got.hosts]
    missing += [f"url {u}" for u in sorted(key.urls) if u not in got.urls]
    right, wrong = [], []
    for url in sorted(got.urls):
        ok = url in key.urls or url in key.ok_urls or url_host(url) in key.right_hosts
        (right if ok else wrong).append(url)
    for host in sorted(got.bare):
        (right if host in key.right_hosts else wrong).append(host)
    never = [n.lower() for n in expect.never]
    leaked = [w for w in wrong if any(n in w.lower() for n in never)]
    types = Counter(e.type for e in outcome.events)
    predicted = types.most_common(1)[0][0] if types else None
    return Judged(name, source, expect, outcome, missing, right, wrong, leaked, predicted)


# --- the evaluation set --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    path: Path
    expect: Expect


def fixture_files() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.eml"))


def corpus_available() -> bool:
    return CORPUS.is_dir()


def heldout_files() -> list[str]:
    return sorted(p.name for p in HELDOUT.glob("*.eml"))


def cases(sources: Sequence[str] = SOURCES) -> list[Case]:
    from tests.fixtures.evaluation_heldout.cases import HELDOUT_CASES

    from .corpus_cases import CORPUS_CASES
    from .fixture_cases import FIXTURE_CASES

    found = []
    if "fixtures" in sources:
        found += [Case(n, "fixtures", FIXTURES / n, e) for n, e in sorted(FIXTURE_CASES.items())]
    if "corpus" in sources and corpus_available():
        found += [Case(n, "corpus", CORPUS / n, e) for n, e in sorted(CORPUS_CASES.items())]
    if "heldout" in sources:
        found += [Case(n, "heldout", HELDOUT / n, e) for n, e in sorted(HELDOUT_CASES.items())]
    return found


def evaluate(selected: Sequence[Case]) -> list[Judged]:
    judged = []
    for case in selected:
        outcome = run(case.path.read_bytes(), filename=case.path.name)
        judged.append(judge(case.name, case.source, case.expect, outcome))
    return judged


# --- figures -------------------------------------------------------------------------


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def figures(judged: Sequence[Judged]) -> dict:
    """The evaluation's figures over a set of judged messages (None where a figure has no
    message to be measured on)."""
    complaints = [j for j in judged if j.expect.complaint]
    with_indicators = [j for j in complaints if j.expect.required]
    finding = [j for j in complaints if j.reported]
    typed = [j for j in complaints if j.expect.types]
    typed_with_events = [j for j in typed if j.outcome.events]
    others = [j for j in judged if not j.expect.complaint]
    required = sum(j.expect.required for j in with_indicators)
    found = required - sum(len(j.missing) for j in with_indicators)
    reported = sum(j.reported for j in finding)
    return {
        "messages": len(judged),
        "complaints": len(complaints),
        "non_complaints": len(others),
        # complaints whose every expected indicator was found
        "recall_complete": _share(sum(j.complete for j in with_indicators), len(with_indicators)),
        "indicator_recall": _share(found, required),
        # of the resources reported for complaints where anything was reported
        "precision": _share(sum(len(j.right) for j in finding), reported),
        "precision_per_message": (
            round(sum(len(j.right) / j.reported for j in finding) / len(finding), 4)
            if finding
            else None
        ),
        "clean_share": _share(sum(not j.wrong for j in finding), len(finding)),
        "classification": _share(
            sum(j.type_right for j in typed_with_events), len(typed_with_events)
        ),
        "classification_all": _share(sum(j.type_right for j in typed), len(typed)),
        "complaints_filed": _share(
            sum(j.outcome.is_complaint and bool(j.outcome.events) for j in with_indicators),
            len(with_indicators),
        ),
        "non_complaints_no_events": _share(sum(not j.outcome.events for j in others), len(others)),
        "non_complaints_labelled": _share(
            sum(not j.outcome.is_complaint for j in others), len(others)
        ),
        "boilerplate_leaks": sum(bool(j.leaked) for j in judged),
    }


# The figure each class is judged by (the others are printed too).
HEADLINE = {
    1: "recall_complete",
    2: "precision",
    3: "complaints_filed",
    4: "non_complaints_no_events",
    5: "classification",
}


def summary(judged: Sequence[Judged]) -> dict:
    out = figures(judged)
    out["by_source"] = {
        source: figures([j for j in judged if j.source == source])
        for source in SOURCES
        if any(j.source == source for j in judged)
    }
    out["by_class"] = {
        str(c): figures([j for j in judged if c in j.expect.classes]) for c in CLASS_NAMES
    }
    return out


# --- reporting -----------------------------------------------------------------------

_COLUMNS = (
    ("messages", "msgs"),
    ("recall_complete", "recall-all"),
    ("indicator_recall", "ind-recall"),
    ("precision", "precision"),
    ("precision_per_message", "prec/msg"),
    ("clean_share", "clean"),
    ("classification", "class"),
    ("complaints_filed", "filed"),
    ("non_complaints_no_events", "non-c ok"),
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(result: dict) -> str:
    """The figures as a human table: overall, per source, per failure class."""
    rows = [("all", result)]
    rows += [(source, figs) for source, figs in result["by_source"].items()]
    rows += [
        (f"class {c} {'*' + HEADLINE[int(c)]}", figs) for c, figs in result["by_class"].items()
    ]
    width = max(len(label) for label, _ in rows)
    lines = [" ".join([" " * width, *(f"{title:>10}" for _, title in _COLUMNS)])]
    for label, figs in rows:
        cells = [f"{_cell(figs[key]):>10}" for key, _ in _COLUMNS]
        lines.append(" ".join([f"{label:<{width}}", *cells]))
    lines.append("")
    lines.append("classes: " + "; ".join(f"{c} {name}" for c, name in CLASS_NAMES.items()))
    lines.append(
        "recall-all: complaints with every expected indicator found; ind-recall: indicators "
        "found; precision: right share of reported resources (complaints reporting any); "
        "clean: of those, share with nothing wrong; class: type right (complaints with a "
        "known kind and events); filed: complaints filed as complaints with events; non-c "
        "ok: non-complaints with no events. * marks the figure a class is judged by."
    )
    return "\n".join(lines)


def failures(judged: Sequence[Judged]) -> list[str]:
    """One line per message that is wrong in any way, for whoever fixes the extraction."""
    lines = []
    for j in judged:
        problems = []
        if j.expect.complaint:
            if j.outcome.error:
                problems.append(f"quarantined {j.outcome.error}")
            elif not j.outcome.is_complaint:
                problems.append(f"filed as {j.outcome.kind or j.outcome.format}")
            if j.missing:
                problems.append("missing " + ", ".join(j.missing))
            if j.wrong:
                problems.append("wrong " + ", ".join(j.wrong[:8]))
            if j.expect.types and j.outcome.events and not j.type_right:
                want = "|".join(sorted(j.expect.types))
                problems.append(f"type {j.predicted_type} (want {want})")
        elif j.outcome.events:
            problems.append(
                f"non-complaint gave {len(j.outcome.events)} events as {j.outcome.format}: "
                + ", ".join((j.wrong + j.right)[:6])
            )
        if problems:
            lines.append(f"{j.source}/{j.name} [{j.outcome.format}]: " + "; ".join(problems))
    return lines


def json_line(result: dict, extra: dict | None = None) -> str:
    return json.dumps({"bench": "accuracy", **(extra or {}), **result}, sort_keys=False)
