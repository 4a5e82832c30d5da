"""Adversarial text for every regular expression that reads attacker text at intake.

Used by ``test_intake_patterns_linear`` (each pattern alone, against strings derived from
its own source) and ``test_adversarial_pipeline`` (the same strings, as whole mails
through the intake).

- ``inventory()`` finds the patterns: every ``re.Pattern`` reachable from the top level of
  an intake module (module globals, class attributes, tuples, lists, dicts, sets; a
  ``re2`` pattern too, should one appear), plus every pattern written inline in a call such
  as ``re.search(r"...", text)``, read from the module's source. An inline pattern built at
  run time (an f-string, ``re.escape``) cannot be derived from the source: it must be listed
  in ``DYNAMIC_PATTERNS`` with an instance to test, keyed by its source text, so that a new
  or edited one fails the inventory test until someone looks at it.
- ``attacks(pattern)`` derives, from the pattern's own syntax tree (``re._parser``), the
  strings that make a backtracking engine do more than linear work: a run of every
  character of its literals and classes (``[\\w.+-]+@`` with no left anchor scans a run to
  its end from each of its characters); every prefix of a sample match, repeated (an
  unclosed ``<Infringement``, a ``---`` line or ``a[.]``, repeated, is a new start that
  rescans the rest of the text); each prefix cut where an unbounded repeat starts or ends,
  followed by a run of a character such a repeat takes (the classic prefix and pump).
- ``superlinear(pattern)`` times the pattern on each attack at growing sizes, in CPU time.

Nothing here is listed by hand per pattern, so a new pattern is covered the day it is added.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]

import complaints.parsers

# Intake modules outside complaints.parsers whose patterns read received mail (headers,
# bodies, IMAP responses) or text quoted from it (notices, replies, the evidence viewer).
AUDITED_MODULES = (
    "complaints.intake.reply_detection",
    "complaints.mediation.redaction",
    "complaints.intake.mail_auth",
    "complaints.intake.imap",
    "complaints.classification",
    "complaints.mediation.templating",
    "complaints.mediation.outbound",
    "complaints.tickets.evidence_view",
)


def parser_modules() -> list[str]:
    return sorted(
        f"complaints.parsers.{info.name}"
        for info in pkgutil.iter_modules(complaints.parsers.__path__)
    )


def intake_modules() -> list[str]:
    return [*parser_modules(), *AUDITED_MODULES]


SAMPLE_IP = "203.0.113.9"

# Inline patterns whose text is built at run time. Key: (module, enclosing function, source
# text of the pattern argument); value: an instance built the same way with a
# representative argument.
DYNAMIC_PATTERNS: dict[tuple[str, str, str], Callable[[], re.Pattern]] = {
    ("complaints.parsers.blocklistde", "_claim", "re.escape(ip)"): lambda: re.compile(
        re.escape(SAMPLE_IP)
    ),
    (
        "complaints.parsers.blocklistde",
        "_log_lines",
        "f'(?<![\\\\w.:]){re.escape(ip)}(?![\\\\w.:])'",
    ): lambda: re.compile(rf"(?<![\w.:]){re.escape(SAMPLE_IP)}(?![\w.:])", re.IGNORECASE),
    (
        "complaints.parsers.blocklistde",
        "_log_lines",
        "'^(\\\\d|[A-Z][a-z]{2} [ \\\\d]\\\\d |\\\\[|' + re.escape(ip) + ')'",
    ): lambda: re.compile(r"^(\d|[A-Z][a-z]{2} [ \d]\d |\[|" + re.escape(SAMPLE_IP) + ")"),
    ("complaints.parsers.feeds", "_read_ip_list", "f'(^|[_\\\\-.]){s}$'"): lambda: re.compile(
        r"(^|[_\-.])bruteforcelogin$"
    ),
    # Compiles the patterns other modules keep at their top level (found there); this
    # instance stands for a new caller.
    (
        "complaints.parsers.wording",
        "lowered_pattern",
        "_WORD_START.sub(lambda m: f'{m[1]}{m[2]}(?<!\\\\w{m[2]})', pattern)",
    ): lambda: importlib.import_module("complaints.parsers.wording").lowered_pattern(
        r"\bspam(?!haus)|bulk (?:e-?)?mail|\bssh\b.{0,40}attempt"
    ),
    # A trie of literal words (one branch per next character, optional ends): the
    # classification's trigger words stand for any vocabulary.
    ("complaints.parsers.wording", "words", "_trie_pattern(trie)"): lambda: (
        importlib.import_module("complaints.parsers.classify")._TRIGGER_WORDS.pattern
    ),
}

# Patterns the intake only ever tries at one position per call (``match`` at a position it
# chose), never searched: timed that way. The reason goes with each.
ANCHORED_PATTERNS: dict[str, str] = {
    "complaints.parsers.indicators:_EMAIL": (
        "tried once where finditer resumes inside a run (util.matches_from_run_starts); "
        "searched only as _EMAIL_AT_RUN_START"
    ),
    "complaints.mediation.redaction:_ADDRESS": (
        "tried once where finditer resumes inside a run (util.matches_from_run_starts); "
        "searched only as _ADDRESS_AT_RUN_START"
    ),
}

_RE_FUNCTIONS = {
    # name -> index of the positional flags argument
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "findall": 2,
    "finditer": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}


@dataclass(frozen=True)
class Found:
    name: str  # module:qualified.name, or module:function#line for an inline pattern
    pattern: re.Pattern


def _patterns_in(value: object, name: str, seen: set[int]) -> Iterator[Found]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield Found(name, value)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for index, item in enumerate(value):
            yield from _patterns_in(item, f"{name}[{index}]", seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _patterns_in(item, f"{name}[{key!r}]", seen)
    elif inspect.isclass(value):
        for attr, item in vars(value).items():
            if not attr.startswith("__"):
                yield from _patterns_in(item, f"{name}.{attr}", seen)
    elif type(value).__module__.startswith("re2") and hasattr(value, "pattern"):
        # google-re2 is linear by construction, but its pattern text is checked like any
        # other (in Python's engine, which accepts all of re2's syntax but \C and \pN).
        yield Found(name, re.compile(value.pattern))  # type: ignore[attr-defined]


def _flags_of(call: ast.Call, position: int) -> int:
    node = next((k.value for k in call.keywords if k.arg == "flags"), None)
    if node is None and len(call.args) > position:
        node = call.args[position]
    if node is None:
        return 0
    return int(eval(compile(ast.Expression(node), "<flags>", "eval"), {"re": re}))


class _InlineCalls(ast.NodeVisitor):
    """``re.<function>(pattern, ...)`` calls in a module's source."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.scope: list[str] = []
        self.static: list[Found] = []
        self.dynamic: list[tuple[str, str, str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "re"
            and func.attr in _RE_FUNCTIONS
            and node.args
        ):
            where = self.scope[-1] if self.scope else "<module>"
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, (str, bytes)):
                flags = _flags_of(node, _RE_FUNCTIONS[func.attr])
                self.static.append(
                    Found(f"{self.module}:{where}#{node.lineno}", re.compile(arg.value, flags))
                )
            elif self.scope:
                # Outside functions, a pattern compiled at import is a module attribute,
                # found there.
                self.dynamic.append((self.module, where, ast.unparse(arg)))
        self.generic_visit(node)


def inventory() -> tuple[list[Found], list[tuple[str, str, str]]]:
    """Every pattern of the intake modules (one entry per distinct pattern and flags), and
    the inline patterns built at run time as (module, function, source of the argument)."""
    found: list[Found] = []
    dynamic: list[tuple[str, str, str]] = []
    for module_name in intake_modules():
        module = importlib.import_module(module_name)
        seen: set[int] = set()
        for attr, value in vars(module).items():
            if attr.startswith("__") or inspect.ismodule(value):
                continue
            if inspect.isclass(value) and value.__module__ != module_name:
                continue  # imported, not defined here
            found.extend(_patterns_in(value, f"{module_name}:{attr}", seen))
        visitor = _InlineCalls(module_name)
        visitor.visit(ast.parse(inspect.getsource(module)))
        found.extend(visitor.static)
        dynamic.extend(visitor.dynamic)
    unique: dict[tuple[object, int], Found] = {}
    for item in found:
        unique.setdefault((item.pattern.pattern, item.pattern.flags), item)
    return list(unique.values()), dynamic


# --- strings derived from a pattern -------------------------------------------------------

_CATEGORY_CHARS = {
    C.CATEGORY_DIGIT: "0",
    C.CATEGORY_NOT_DIGIT: "a",
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_SPACE: "a",
    C.CATEGORY_WORD: "a",
    C.CATEGORY_NOT_WORD: " ",
    C.CATEGORY_LINEBREAK: "\n",
    C.CATEGORY_NOT_LINEBREAK: "a",
}
# Characters a negated class is most likely to let through, in order of preference.
_CANDIDATES = "a0 .-_:/@<>=\"'[](){};,|\n\t\\+*?#%&!x9Z"


def _in_class(char: str, items: list, ignorecase: bool) -> bool:
    negate = False
    hit = False
    variants = {char, char.lower(), char.upper()} if ignorecase else {char}
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit |= chr(av) in variants
        elif op is C.RANGE:
            hit |= any(av[0] <= ord(v) <= av[1] for v in variants)
        elif op is C.CATEGORY:
            probe = {
                C.CATEGORY_DIGIT: str.isdigit,
                C.CATEGORY_SPACE: str.isspace,
                C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
                C.CATEGORY_LINEBREAK: lambda c: c == "\n",
            }
            positive = {
                C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
                C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
                C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
                C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK,
            }
            if av in probe:
                hit |= probe[av](char)
            else:
                hit |= not probe[positive[av]](char)
    return hit != negate


def _class_chars(items: list, ignorecase: bool) -> list[str]:
    """A few characters of a class: the first of each positive member, or, for a negated
    class, the likeliest characters outside it."""
    if any(op is C.NEGATE for op, _ in items):
        return [c for c in _CANDIDATES if _in_class(c, items, ignorecase)][:3]
    chars = []
    for op, av in items:
        if op is C.LITERAL:
            chars.append(chr(av))
        elif op is C.RANGE:
            chars.append(chr(av[0]))
        elif op is C.CATEGORY:
            chars.append(_CATEGORY_CHARS.get(av, "a"))
    return chars


def _pumpable(repeat: tuple) -> bool:
    """A repeat that can take more characters than a line of a report plausibly has in one
    construct: its characters are worth a long run."""
    return repeat[1] > 64


class _Sampler:
    """Builds strings that follow a pattern's syntax tree: one per alternative of every
    branch (the other branches take their first alternative), with repeats at their minimum
    and at their minimum but at least once; lookarounds emit nothing, line anchors a
    newline. Records where each pumpable repeat starts and ends in every sample."""

    def __init__(self, tree: P.SubPattern) -> None:
        self.tree = tree
        self.flags = tree.state.flags
        self.ignorecase = bool(self.flags & re.IGNORECASE)
        self.atoms: set[str] = set()  # a few characters of every literal and class
        self.repeated: set[str] = set()  # those of them inside a pumpable repeat
        self._sizes: dict[int, int] = {}  # id of every branch -> number of alternatives
        self._collect(tree, repeated=False)

    def _collect(self, seq: P.SubPattern | list, *, repeated: bool) -> None:
        for op, av in seq:
            chars: set[str] = set()
            if op is C.BRANCH:
                self._sizes[id(av)] = len(av[1])
                for alt in av[1]:
                    self._collect(alt, repeated=repeated)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                self._collect(av[2], repeated=repeated or _pumpable(av))
            elif op is C.SUBPATTERN:
                self._collect(av[3], repeated=repeated)
            elif op is C.ATOMIC_GROUP:
                self._collect(av, repeated=repeated)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                self._collect(av[1], repeated=repeated)
            elif op is C.LITERAL:
                chars = {chr(av)}
            elif op is C.NOT_LITERAL:
                chars = {c for c in _CANDIDATES[:3] if ord(c) != av}
            elif op is C.ANY:
                chars = {"a", " "}
            elif op is C.IN:
                chars = set(_class_chars(av, self.ignorecase))
            self.atoms |= chars
            if repeated:
                self.repeated |= chars

    def samples(self) -> set[tuple[str, frozenset[int]]]:
        """(sample, offsets where a pumpable repeat starts or ends in it)."""
        found = set()
        for at_least in (0, 1):
            found.add(self._emit({}, at_least))
            for branch, alternatives in self._sizes.items():
                for index in range(1, alternatives):
                    found.add(self._emit({branch: index}, at_least))
        return found

    def _emit(self, choices: dict[int, int], at_least: int) -> tuple[str, frozenset[int]]:
        out: list[str] = []
        marks: set[int] = set()
        self._emit_into(self.tree, choices, at_least, out, marks, {})
        return "".join(out), frozenset(marks)

    def _emit_into(
        self,
        seq: P.SubPattern | list,
        choices: dict[int, int],
        at_least: int,
        out: list[str],
        marks: set[int],
        groups: dict[int, str],
    ) -> None:
        for op, av in seq:
            if op is C.LITERAL:
                out.append(chr(av))
            elif op is C.NOT_LITERAL:
                out.append(next(c for c in _CANDIDATES if ord(c) != av))
            elif op is C.ANY:
                out.append("a")
            elif op is C.IN:
                chars = _class_chars(av, self.ignorecase)
                out.append(chars[0] if chars else "a")
            elif op is C.BRANCH:
                alternative = av[1][choices.get(id(av), 0)]
                self._emit_into(alternative, choices, at_least, out, marks, groups)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                if _pumpable(av):
                    marks.add(len("".join(out)))
                for _ in range(max(at_least, min(av[0], 8))):
                    self._emit_into(av[2], choices, at_least, out, marks, groups)
                if _pumpable(av):
                    marks.add(len("".join(out)))
            elif op is C.SUBPATTERN:
                start = len(out)
                self._emit_into(av[3], choices, at_least, out, marks, groups)
                if av[0]:
                    groups[av[0]] = "".join(out[start:])
            elif op is C.ATOMIC_GROUP:
                self._emit_into(av, choices, at_least, out, marks, groups)
            elif op is C.GROUPREF:
                out.append(groups.get(av, ""))
            elif op is C.AT and self._newline_at(av, out):
                out.append("\n")
            # ASSERT, ASSERT_NOT, other anchors, GROUPREF_EXISTS: nothing is emitted

    def _newline_at(self, anchor: object, out: list[str]) -> bool:
        """A line anchor stands for a newline: "$" always, "^" past the start of a
        multi-line pattern's sample."""
        if anchor in (C.AT_END, C.AT_END_STRING):
            return True
        return bool(anchor is C.AT_BEGINNING and out and self.flags & re.MULTILINE)


@dataclass(frozen=True, order=True)
class Attack:
    """``prefix`` once, then ``pump`` repeated, then ``suffix``, to the wanted size."""

    prefix: str
    pump: str
    suffix: str = ""

    def text(self, size: int) -> str:
        room = max(size - len(self.prefix) - len(self.suffix), len(self.pump))
        body = (self.pump * (room // len(self.pump) + 1))[:room]
        return self.prefix + body + self.suffix


MAX_SAMPLE = 64
# Ends a run where the pattern wanted more: a backtracking engine then tries every other
# way to split the run ("(a|aa)+$" on "aaa...a" and a NUL is exponential).
BREAK = "\x00"


def attacks(pattern: re.Pattern) -> list[Attack]:
    """The strings that attack ``pattern``: a run of every character of its literals and
    classes; every prefix of every sample match repeated (unclosed delimiters, many
    candidate starts), bare and one per line; every sample cut where a pumpable repeat
    starts or ends, followed by a run of a character that such a repeat takes (the classic
    prefix and pump). Each run also comes broken at its end. Deduplicated."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    sampler = _Sampler(P.parse(source, pattern.flags))
    runs: set[Attack] = {Attack("", char) for char in sampler.atoms}
    found: set[Attack] = set()
    for sample, marks in sampler.samples():
        for end in range(1, min(len(sample), MAX_SAMPLE) + 1):
            found.add(Attack("", sample[:end]))
            if not sample[:end].endswith("\n"):
                found.add(Attack("", sample[:end] + "\n"))
        for mark in marks:
            for char in sampler.repeated:
                runs.add(Attack(sample[: min(mark, MAX_SAMPLE)], char))
    found |= runs | {Attack(run.prefix, run.pump, BREAK) for run in runs}
    return sorted(found)


def as_subject(pattern: re.Pattern, text: str) -> str | bytes:
    return text.encode("latin-1", "replace") if isinstance(pattern.pattern, bytes) else text


def exercise(pattern: re.Pattern, text: str | bytes) -> None:
    """What the intake does with a pattern at worst: walk every match of the whole text
    (a search is the first step of this)."""
    for _ in pattern.finditer(text):  # type: ignore[arg-type]
        pass


def exercise_anchored(pattern: re.Pattern, text: str | bytes) -> None:
    pattern.match(text)  # type: ignore[arg-type]


Exercise = Callable[[re.Pattern, "str | bytes"], None]


def _cpu_seconds(run: Exercise, pattern: re.Pattern, text: str | bytes, repeat: int = 1) -> float:
    """CPU time of this thread, not the wall clock: other processes on a busy two-core
    machine would otherwise decide the verdict."""
    best = float("inf")
    for _ in range(repeat):
        started = time.thread_time()
        run(pattern, text)
        best = min(best, time.thread_time() - started)
    return best


# Sizes of the growth test: linear work grows 16x from 500 to 8,000 characters, quadratic
# 256x. A verdict needs both a growth past GROWTH_LIMIT and a last time above FLOOR (below
# it the clock's resolution and the interpreter's overhead decide the ratio). The short
# sizes first stop an exponential pattern before it hangs the test.
SIZES = (16, 32, 64, 500, 2000, 8000)
GROWTH_FROM = 500
GROWTH_LIMIT = 48.0
FLOOR_SECONDS = 0.002
# Far more than a linear pass costs (a microsecond or two per character at the most): past
# it, the pattern is reported at once instead of being timed on longer text.
BUDGET_BASE_SECONDS = 0.002
BUDGET_PER_CHARACTER = 20e-6


@dataclass(frozen=True)
class Verdict:
    attack: Attack
    seconds: tuple[float, ...]  # at SIZES (fewer when stopped early)

    def __str__(self) -> str:
        times = ", ".join(f"{s * 1000:.2f} ms" for s in self.seconds)
        return f"{self.attack!r}: {times} at {SIZES[: len(self.seconds)]} characters"


def superlinear(pattern: re.Pattern, run: Exercise = exercise) -> Verdict | None:
    """The first attack on which ``pattern``'s work grows faster than its input, or None."""
    for attack in attacks(pattern):
        seconds: list[float] = []
        for size in SIZES:
            text = as_subject(pattern, attack.text(size))
            seconds.append(_cpu_seconds(run, pattern, text, 3 if size == GROWTH_FROM else 1))
            if seconds[-1] > BUDGET_BASE_SECONDS + BUDGET_PER_CHARACTER * size:
                return Verdict(attack, tuple(seconds))
        if _grows(seconds):
            # One more look at the largest size: a preempted or migrated thread can
            # still be charged for a cache refill.
            largest = as_subject(pattern, attack.text(SIZES[-1]))
            seconds[-1] = _cpu_seconds(run, pattern, largest, 2)
            if _grows(seconds):
                return Verdict(attack, tuple(seconds))
    return None


def _grows(seconds: list[float]) -> bool:
    first = max(seconds[SIZES.index(GROWTH_FROM)], 1e-6)
    return seconds[-1] > FLOOR_SECONDS and seconds[-1] > GROWTH_LIMIT * first
