"""Word patterns that scan prose quickly: compiled for lower-cased text, word starts
rewritten so the regular-expression engine can skip ahead.

Python's ``re`` scans a pattern such as ``\\bddos\\b|\\bflood`` by trying every branch at
every position of the text: a branch that opens with ``\\b`` (or a pattern compiled with
``IGNORECASE``) gives it no first character to look for. On a complaint of a few
kilobytes, a dozen such patterns cost more than parsing the whole message. Two rewrites
keep the meaning and restore the engine's fast path:

- the caller lower-cases the text once and the pattern is compiled without
  ``IGNORECASE`` (the patterns here are written in lower case);
- a branch that opens with ``\\b`` and a letter or digit, ``\\bx...``, becomes
  ``x(?<!\\wx)...``: the first character is matched literally and the word boundary is
  checked behind it (the character before ``x`` is no word character), which is what
  ``\\b`` before a word character means.
"""

from __future__ import annotations

import re

# "\b" followed by a word character, at the start of the pattern, of a branch ("|") or of
# a group ("(", "(?:").
_WORD_START = re.compile(r"(^|\||\((?:\?:)?)\\b([a-z0-9])")


def lowered_pattern(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` (lower case, meant for lower-cased text) with word starts
    rewritten as described above."""
    return re.compile(_WORD_START.sub(lambda m: f"{m[1]}{m[2]}(?<!\\w{m[2]})", pattern))
