"""Every regular expression that reads attacker text at intake does linear work in it
(issue 11 item 1).

Python's engine backtracks: a pattern with no left anchor before a run (``[\\w.+-]+@``), a
lazy ``.*?`` to a closing tag that never comes, or two runs that can share the same
characters, does quadratic or worse work on a crafted line, and no deadline interrupts a
running pattern. The inventory walks the parser modules and the other intake modules for
every compiled pattern (module attributes, class attributes, tuples, lists and dicts, and
patterns written inline in ``re.*`` calls); each one is timed on strings derived from its
own syntax (``tests/complaints/adversarial.py``) at three sizes, and fails when its work
grows faster than its input. A new pattern is found and tested the day it is added.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.mediation import templating
from tests.complaints.intake import adversarial

FOUND, DYNAMIC = adversarial.inventory()
BY_NAME = {found.name: found.pattern for found in FOUND}


def test_the_walk_finds_patterns_wherever_a_module_keeps_them() -> None:
    expected = {
        # module attributes, the old offenders among them
        "complaints.parsers.indicators:_DOMAIN",
        "complaints.parsers.indicators:_EMAIL_AT_RUN_START",
        "complaints.parsers.blocklistde:_YAML_START",
        "complaints.parsers.acns:_OPENING",
        "complaints.parsers.autoreply:_BOUNCE_SUBJECT",
        "complaints.intake.reply_detection:_MSGID",
        "complaints.mediation.redaction:_ADDRESS_AT_RUN_START",
        "complaints.intake.imap:_UID",
        # inside tuples and lists of tuples
        "complaints.parsers.util:_DEFANG[0][0]",
        "complaints.parsers.iodef:_KEYWORDS[0][0]",
        "complaints.parsers.indicators:_TYPE_PATTERNS[0][1]",
    }
    assert expected <= set(BY_NAME), sorted(expected - set(BY_NAME))
    inline = [name for name in BY_NAME if "#" in name]
    assert any(name.startswith("complaints.parsers.senders:_honeypot#") for name in inline)
    assert any(name.startswith("complaints.parsers.mime:") for name in inline)
    assert len(FOUND) >= 120


def test_every_pattern_built_at_run_time_is_listed_with_an_instance() -> None:
    """An f-string or re.escape() pattern cannot be derived from the source: each one
    must be listed, keyed by its source text, so a new or changed one fails here."""
    assert set(DYNAMIC) == set(adversarial.DYNAMIC_PATTERNS)


def test_every_pattern_tried_only_anchored_exists() -> None:
    assert set(adversarial.ANCHORED_PATTERNS) <= set(BY_NAME)


def _cases() -> list:
    cases = [
        pytest.param(found.pattern, adversarial.exercise, id=found.name)
        for found in FOUND
        if found.name not in adversarial.ANCHORED_PATTERNS
    ]
    cases += [
        pytest.param(BY_NAME[name], adversarial.exercise_anchored, id=f"{name} (anchored)")
        for name in adversarial.ANCHORED_PATTERNS
        if name in BY_NAME
    ]
    cases += [
        pytest.param(build(), adversarial.exercise, id=f"{module}:{function}: {source}")
        for (module, function, source), build in adversarial.DYNAMIC_PATTERNS.items()
    ]
    return cases


@pytest.mark.parametrize(("pattern", "run"), _cases())
def test_the_work_of_each_intake_pattern_grows_linearly(pattern: re.Pattern, run) -> None:
    verdict = adversarial.superlinear(pattern, run)
    assert verdict is None, f"{pattern.pattern!r} is superlinear on {verdict}"


@pytest.mark.parametrize(
    "pattern",
    [
        # The old offenders of issue 11, and the classic shapes.
        r"[\w.+\-]+@((?:[a-z0-9\-]+(?:\.|\[\.\]))+[a-z]{2,24})",
        r"(?<![\w.@\-/])((?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
        r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)))+([a-z]{2,24}))(?![\w\-@]|\.[a-z0-9])",
        r"(?ims)^---\s*$.*^(?:Report-Type|Schema-URL):",
        r"(?s)<Infringement\b.*?</Infringement\s*>",
        r"(a|aa)+$",
        r"\s*=\s*x",
        r"[ \t]+\n",
    ],
)
def test_the_growth_test_catches_a_quadratic_pattern(pattern: str) -> None:
    """The test above can fail: each of these, added to an intake module, would."""
    assert adversarial.superlinear(re.compile(pattern, re.IGNORECASE)) is not None


OLD_TRAILING = re.compile(r"[ \t]+\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "\n", "x", "  \n", "\r"]), max_size=30).map("".join))
def test_trailing_blanks_leave_a_notice_as_before(text: str) -> None:
    assert templating._TRAILING.sub("\n", text) == OLD_TRAILING.sub("\n", text)
