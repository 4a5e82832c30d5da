"""Word patterns that scan prose quickly: compiled for lower-cased text, word starts
rewritten so the regular-expression engine can skip ahead.

Python's ``re`` scans a pattern such as ``\\bddos\\b|\\bflood`` by trying every branch at
every position of the text: a branch that opens with ``\\b`` (or a pattern compiled with
``IGNORECASE``) gives it no first character to look for. On a complaint of a few
kilobytes, a dozen such patterns cost more than parsing the whole message. These rewrites
keep the meaning and restore the engine's fast path:

- the caller lower-cases the text once and the pattern is compiled without
  ``IGNORECASE`` (the patterns here are written in lower case);
- a branch that opens with ``\\b`` and a letter or digit, ``\\bx...``, becomes
  ``x(?<!\\wx)...``: the first character is matched literally and the word boundary is
  checked behind it (the character before ``x`` is no word character), which is what
  ``\\b`` before a word character means;
- a ``\\b`` before a group of alternatives, ``\\b(?:ab|cd)``, goes into each of them,
  ``(?:\\bab|\\bcd)`` (a boundary is a position: the same for every branch), where the
  rewrite above applies.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# "\b" followed by a word character, at the start of the pattern, of a branch ("|") or of
# a group ("(", "(?:").
_WORD_START = re.compile(r"(^|\||\((?:\?:)?)\\b([a-z0-9])")


# "\b" before a non-capturing group, where a branch starts.
_GROUP_START = re.compile(r"(^|\||\((?:\?:)?)\\b\(\?:")


def lowered_pattern(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` (lower case, meant for lower-cased text) with word starts
    rewritten as described above."""
    while match := _GROUP_START.search(pattern):
        pattern = _boundary_into_group(pattern, match.end(1))
    return re.compile(_WORD_START.sub(lambda m: f"{m[1]}{m[2]}(?<!\\w{m[2]})", pattern))


def _boundary_into_group(pattern: str, at: int) -> str:
    """``pattern`` with the ``\\b(?:a|b)`` at ``at`` written ``(?:\\ba|\\bb)``."""
    opening = at + len("\\b(?:")
    depth, index, bars, in_class = 0, opening, [], False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 2 if pattern.startswith("^]", index + 1) else 1  # "]" first is a member
            if pattern.startswith("]", index):
                index += 1
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        elif char == "|" and depth == 0:
            bars.append(index)
        index += 1
    else:
        raise ValueError(f"unbalanced group in {pattern!r}")
    starts = [opening, *(bar + 1 for bar in bars)]
    branches = [pattern[start:end] for start, end in zip(starts, [*bars, index], strict=True)]
    inner = "|".join(branch if branch.startswith("\\b") else f"\\b{branch}" for branch in branches)
    return f"{pattern[:at]}(?:{inner}){pattern[index + 1 :]}"


class Words(NamedTuple):
    """A fixed set of literal words, and the means to find which occur in a text in one
    pass (``present``). Asking ``word in text`` for each of 200 words scans the text 200
    times; one pattern that reads the words as a trie (each branch opens with its own
    character, so the engine tries one branch per position) scans it once."""

    pattern: re.Pattern[str]  # the longest word starting at a position
    inside: dict[str, frozenset[str]]  # a matched word -> every word it contains


def words(literals: tuple[str, ...] | list[str] | set[str]) -> Words:
    """The ``Words`` of ``literals`` (lower case, for lower-cased text)."""
    unique = sorted(set(literals))
    if not unique or "" in unique:
        raise ValueError("words() needs non-empty words")
    trie: dict = {}
    for word in unique:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    inside = {w: frozenset(v for v in unique if v in w) for w in unique}
    return Words(re.compile(_trie_pattern(trie)), inside)


def _trie_pattern(node: dict) -> str:
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    if "" in node:  # a word ends here; the longer ones are tried first (greedy)
        return f"(?:{'|'.join(branches)})?"
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def present(vocabulary: Words, text: str) -> set[str]:
    """The words of ``vocabulary`` that occur in ``text``, exactly as ``{w for w in words
    if w in text}`` would find them. The scan resumes one character after each match's
    start, so it stops at every position where a word starts; there it matches the
    longest one, and the others starting there are its prefixes."""
    found: set[str] = set()
    search = vocabulary.pattern.search
    position = 0
    while match := search(text, position):
        found |= vocabulary.inside[match.group()]
        position = match.start() + 1
    return found
