"""What a message must yield, written by hand from reading it: the evaluation's answer key.

One ``Expect`` per message. The values are written the way an agent would write them after
reading the message (re-fanged, canonical IP text); ``scoring`` normalises both sides the
same way before comparing. See ``tests/evaluation/README.md`` for the matching rules.

- ``complaint``: does the message allege abuse? Non-complaints (auto-acks, "not our
  customer" replies, newsletters, rejections, challenge-response, DMARC/TLS reports, bounces)
  must produce no events at all.
- ``ips`` / ``hosts`` / ``urls``: the indicators the reporter reports — every one must be
  found (recall). ``hosts`` are domains or host names named without a URL.
- ``also_ok``: values that may be reported without being wrong, and need not be (a
  spamvertised link in a quoted spam, the resolved address of a reported host, the forum
  page a pirated link was found on).
- ``types``: the acceptable RSIT ``classification.type`` values; empty when the message
  does not say what kind of abuse it is (it is then left out of the classification figure).
- ``never``: boilerplate the message names that must not be reported (footers, the
  reporter's own site, lookup links, brand sites, relays). Precision counts every wrong
  value anyway; these are named so the failure list says *which* boilerplate leaked.
- ``classes``: the failure classes of issue 13 the message exercises (1 prose indicators,
  2 boilerplate, 3 complaints filed as something else, 4 non-complaints, 5 classification).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CLASS_NAMES = {
    1: "indicators written as prose",
    2: "boilerplate reported as abuse",
    3: "complaints filed as something else",
    4: "non-complaints filed as complaints",
    5: "classification",
}


@dataclass(frozen=True)
class Expect:
    complaint: bool = True
    ips: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    also_ok: frozenset[str] = frozenset()
    never: frozenset[str] = frozenset()
    classes: frozenset[int] = frozenset()
    note: str = ""

    @property
    def required(self) -> int:
        return len(self.ips) + len(self.hosts) + len(self.urls)


def _set(value: str | Iterable[str]) -> frozenset[str]:
    """Whitespace-separated text or an iterable of values (no value holds a space)."""
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(value)


def E(
    *,
    ips: str | Iterable[str] = "",
    hosts: str | Iterable[str] = "",
    urls: str | Iterable[str] = "",
    types: str | Iterable[str] = "",
    also_ok: str | Iterable[str] = "",
    never: str | Iterable[str] = "",
    classes: Iterable[int] = (),
    note: str = "",
) -> Expect:
    """A complaint."""
    return Expect(
        complaint=True,
        ips=_set(ips),
        hosts=_set(hosts),
        urls=_set(urls),
        types=_set(types),
        also_ok=_set(also_ok),
        never=_set(never),
        classes=frozenset(classes),
        note=note,
    )


def N(*, never: str | Iterable[str] = "", classes: Iterable[int] = (4,), note: str = "") -> Expect:
    """Not a complaint: no event may come out of it."""
    return Expect(complaint=False, never=_set(never), classes=frozenset(classes), note=note)
