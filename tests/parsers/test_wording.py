"""``lowered_pattern`` keeps a pattern's meaning: on lower-cased text it finds what the
original, compiled with IGNORECASE, finds on the text itself."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.parsers import indicators
from complaints.parsers.wording import lowered_pattern

PATTERNS = [pattern for _, pattern in indicators._TYPE_WORDING] + [
    r"\bssh\b.{0,40}attempt|(?:\bfoo|bar\b)",
    r"^\s*web\s*:|\bdrone\b",
]
SAMPLES = [
    "DDoS from your bot; a SYN flood and a drone (botnet C&C, c2).",
    "spamhaus listed it: SPAM, UCE and bulk e-mail. ddos-protected, unsolicited",
    "xssfoo sqli_x bot_ robot abot bot. BOT-net c2c2 sbl dnsbl.listed",
    "SSH login attempt from 198.51.100.7; ssh  brute force attempt",
    "Web: example.org\nweb : x",
]
WORDS = st.sampled_from(
    ["ddos", "bot", "Bot", "drone", "spam", "uce", "sbl", "listed", "c2", "c&c", "cnc",
     "scanning", "probe", "xss", "sqli", "ssh", "attempt", "flood", "syn flood", "_", "-",
     "x", "1", ".", " ", "\n", "web:", "foo", "bar", "é"]
)  # fmt: skip


def _same(pattern: str, text: str) -> None:
    original = re.compile(pattern, re.IGNORECASE)
    assert len(lowered_pattern(pattern).findall(text.lower())) == len(original.findall(text))


def test_word_starts_are_rewritten():
    assert lowered_pattern(r"\bddos\b|x").pattern == r"d(?<!\wd)dos\b|x"


def test_same_matches_on_samples():
    for pattern in PATTERNS:
        for text in SAMPLES:
            _same(pattern, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30).map("".join))
def test_same_matches_on_any_mix_of_the_words(text):
    for pattern in PATTERNS:
        _same(pattern, text)
