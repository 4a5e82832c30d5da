"""``lowered_pattern`` keeps a pattern's meaning: on lower-cased text it finds what the
original, compiled with IGNORECASE, finds on the text itself."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.parsers import indicators
from complaints.parsers.wording import lowered_pattern, present, words

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


# --- a boundary before a group -----------------------------------------------------------

GROUPED = [
    r"\b(?:does|do) not host|x",
    r"\b(?:please|we (?:kindly )?ask|\b(?:could|can) you)\b[^.\n]{0,20}?\b(?:remove|stop)",
    r"(?P<own>->|\b(?:dst|victims?)\b|\b(?:our|my)\s++(?:[a-z']++\s++){0,2}servers?\b)",
    r"\b(?:a[]|)]b|[^]x]c|\(d)",
]
GROUPED_WORDS = st.sampled_from(
    ["does", "do", "not", "host", "undo", "please", "we", "kindly", "ask", "could", "can",
     "you", "remove", "stop", "->", "dst", "victim", "our", "my", "server", "a]b", "a|b",
     "(d", "_", " ", "x", ".", "\n", "1"]
)  # fmt: skip


def test_a_boundary_before_a_group_goes_into_each_branch():
    assert lowered_pattern(GROUPED[0]).pattern == r"(?:d(?<!\wd)oes|d(?<!\wd)o) not host|x"
    nested = lowered_pattern(GROUPED[1]).pattern
    assert nested.startswith(r"(?:p(?<!\wp)lease|w(?<!\ww)e (?:kindly )?ask|(?:c(?<!\wc)ould|")
    assert r"\b(?:remove|stop)" in nested  # not where a branch starts: left as written


@settings(max_examples=300, deadline=None)
@given(st.lists(GROUPED_WORDS, max_size=30).map("".join))
def test_same_matches_with_groups(text):
    for pattern in GROUPED:
        expected = [m.span() for m in re.finditer(pattern, text.lower())]
        assert [m.span() for m in lowered_pattern(pattern).finditer(text.lower())] == expected


# --- which of many words a text holds, in one pass --------------------------------------

VOCABULARY = ["spam", "spambot", "bot", "botnet", "net", "c&c", "c2", "scan", "can", "cand",
              "and", "ssh", "sh", "phish", "his", "a", "open proxy", "proxy"]  # fmt: skip
LETTERS = st.sampled_from([*VOCABULARY, "x", " ", "s", "p", "o", "c", "&", "2", "n", "e"])


@settings(max_examples=500, deadline=None)
@given(st.lists(LETTERS, max_size=40).map("".join))
def test_present_finds_exactly_the_words_in_the_text(text):
    """Overlapping words (``spambot``: spam, spambot, bot, a), words inside words
    (``cand``: can, and, a) and words running past another's end are all found."""
    vocabulary = words(VOCABULARY)
    assert present(vocabulary, text) == {word for word in VOCABULARY if word in text}


def test_present_on_samples():
    vocabulary = words(VOCABULARY)
    assert present(vocabulary, "the spambotnet") == {"spam", "spambot", "bot", "botnet",
                                                     "net", "a"}  # fmt: skip
    assert present(vocabulary, "scand") == {"scan", "can", "cand", "and", "a"}
    assert present(vocabulary, "") == set()
