"""Bounded decoding of one received report into a ``Document``.

Responsibility: turn raw bytes (an email, or a bare CSV/JSON/XML/zip/gzip document) into a
flat list of transfer-decoded ``Part``s, expanding zip/gzip attachments, while enforcing
every bound of docs/architecture.md promise 4 with a *named* ``LimitExceeded`` reason: ``too-large``,
``header-too-large``, ``mime-too-deep``, ``too-many-parts``, ``decompression-bomb``,
``deadline-exceeded``. Anything else that goes wrong with hostile input is either tolerated
(lying charsets, broken base64, corrupt archives) or a ``ParseError``.

Boundary: no format knowledge lives here; format parsers (``arf``, ``shadowserver``, ...)
read ``Document.parts`` and the header helpers. The stdlib email package does the MIME
parsing with ``compat32`` (about 7x faster than ``policy.default`` on our corpus, and it
never raises on malformed headers); because the stdlib parser recurses once per nesting
level, the nesting depth and part count are bounded by a linear pre-scan *before* it runs.
"""

from __future__ import annotations

import base64
import binascii
import email.message
import email.utils
import mimetypes
import quopri
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses
from functools import cached_property, lru_cache
from html import unescape
from html.parser import HTMLParser
from io import BytesIO

from .base import Deadline, LimitExceeded, Limits, ParseError, Part

MAX_HEADER_VALUE_CHARS = 8192  # one decoded header value handed to parsers
MAX_BODY_TEXT_CHARS = 1024 * 1024  # body_text() result
MAX_ARCHIVE_NESTING = 3  # zip in zip in gzip ... deeper members are kept unexpanded
_CHUNK = 64 * 1024

ARCHIVE_TYPES = ("application/zip", "application/gzip")
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"

# A mail starts with a header field ("Name: value") or an mbox "From " line. JSON/XML/CSV
# documents never do: field names are restricted so '{"a":' or '<x a="b:c">' do not match.
_MAIL_START = re.compile(rb"\A(?:From |[A-Za-z0-9][A-Za-z0-9_.-]{0,75}[ \t]*:)")
_BOUNDARY_DECL = re.compile(
    rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.IGNORECASE
)
_DELIMITER_LINE = re.compile(rb"^--([^\r\n]{1,202}?)[ \t]*\r?$", re.MULTILINE)
# message/* types that carry field blocks rather than a message (RFC 5965, 3464, 8098).
_FIELD_BLOCKS = frozenset(
    {
        "message/feedback-report",
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/global-disposition-notification",
    }
)
_CRLF = re.compile(r"[\r\n]+[ \t]*")


@dataclass
class Document:
    """One report, decoded within ``limits``: the parsed mail (or ``None`` for a bare
    document) and its leaves as ``Part``s."""

    raw: bytes
    message: email.message.Message | None
    parts: list[Part]
    deadline: Deadline
    limits: Limits
    filename: str | None = None

    def headers(self, name: str) -> list[str]:
        """Every value of a top-level header, RFC 2047-decoded, CR/LF folded away."""
        if self.message is None:
            return []
        return [decode_header_value(v) for v in self.message.get_all(name, [])]

    def header(self, name: str) -> str:
        """The first value of a top-level header, decoded; "" when absent."""
        if self.message is None:
            return ""
        value = self.message.get(name)
        return decode_header_value(value) if value is not None else ""

    def find(self, *content_types: str) -> list[Part]:
        """Parts whose content type matches one of ``content_types`` ("text/*" allowed)."""
        wanted = [c.lower() for c in content_types]
        found = []
        for part in self.parts:
            for pattern in wanted:
                if pattern.endswith("/*"):
                    if part.content_type.startswith(pattern[:-1]):
                        found.append(part)
                        break
                elif part.content_type == pattern:
                    found.append(part)
                    break
        return found

    def inside_attached_message(self, part: Part) -> bool:
        """True for a part of an attached (forwarded, quoted) message: evidence the report
        carries, not the report itself."""
        prefixes = tuple(p.path + "." for p in self.parts if p.content_type == "message/rfc822")
        return bool(prefixes) and part.path.startswith(prefixes)

    def body_text(self) -> str:
        """The main human-written text: inline text/plain parts outside attached messages
        and archives, else their text/html converted to text; bounded. Worked out once per
        report (detectors and the parser each ask)."""
        return self._body_text

    @cached_property
    def _body_text(self) -> str:
        plain, html = [], []
        attached = tuple(p.path + "." for p in self.parts if p.content_type == "message/rfc822")
        for part in self.parts:
            if "/" in part.path or part.path.startswith(attached):
                continue
            if part.filename or part.headers.get("content-disposition", "").lower().startswith(
                "attachment"
            ):
                continue
            if part.content_type == "text/plain":
                plain.append(part.text())
            elif part.content_type == "text/html":
                html.append(part)
        if self.message is None and not plain and not html and self.parts:
            first = self.parts[0]
            if first.content_type.startswith("text/"):
                plain.append(first.text())
        if plain and not (html and _html_says_more("\n".join(plain), html)):
            return "\n".join(plain)[:MAX_BODY_TEXT_CHARS]
        return "\n".join(html_to_text(p.text()) for p in html)[:MAX_BODY_TEXT_CHARS]

    # Read once per report: every detector asks (parsing an address list is not cheap).
    @cached_property
    def subject(self) -> str:
        return self.header("Subject")

    @cached_property
    def from_address(self) -> str | None:
        return first_address(self.header("From"))


def decode_header_value(value: object) -> str:
    """RFC 2047-decode a raw header value; unknown charsets and broken encoded words
    degrade to replacement characters. CR/LF (also smuggled inside encoded words) is
    folded to one space so a value can never start a new header line downstream."""
    text = str(value)[: MAX_HEADER_VALUE_CHARS * 4]
    if "=?" not in text:  # no encoded word: decode_header would hand the text back
        decoded = text
    else:
        try:
            decoded = str(make_header(decode_header(text)))
        except (LookupError, UnicodeError, ValueError, AssertionError, TypeError):
            decoded = _decode_words_leniently(text)
    return _CRLF.sub(" ", decoded).strip()[:MAX_HEADER_VALUE_CHARS]


def _decode_words_leniently(text: str) -> str:
    try:
        chunks = decode_header(text)
    except (ValueError, AssertionError, TypeError):
        return text
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(charset or "utf-8", errors="replace"))
        except LookupError:
            out.append(chunk.decode("utf-8", errors="replace"))
    return "".join(out)


# A link target in HTML: where a page sends a visitor or a form (see _TextExtractor).
_HTML_LINK = re.compile(
    r"""\b(?:href|action)[ \t\r\n]*+=[ \t\r\n]*+["']?[ \t]*+((?:https?|hxxps?|ftp)://[^"'\s<>]{1,2000})""",
    re.IGNORECASE,
)
# A text/plain alternative this short is a stub ("This message requires an HTML-capable
# mail client."), whatever it says.
_STUB_PLAIN_CHARS = 200


def _html_says_more(plain: str, html: list[Part]) -> bool:
    """Whether the HTML alternative carries what the plain one lacks: the plain part is a
    stub, or the HTML links somewhere the plain text never names (a phish's "Reschedule
    delivery" whose target is only in the href). Then the HTML is the body read."""
    if len(plain.strip()) < _STUB_PLAIN_CHARS:
        return any(len(p.payload) > 2 * _STUB_PLAIN_CHARS for p in html)
    for part in html:
        text = part.text()
        if "://" not in text:
            continue
        for match in _HTML_LINK.finditer(text):
            target = unescape(match.group(1))
            if target not in plain and target.rstrip("/") not in plain:
                return True
    return False


def addresses(value: str) -> tuple[tuple[str, str], ...]:
    """(name, address) pairs of an address header's value; empty when it does not parse.
    A report's From is asked for by the parser, the sender checks and the filing, and the
    standard library's address parser is slow (tens of microseconds a field): fields of a
    usual length are parsed once (a bounded cache; a crafted long field is not kept)."""
    if len(value) <= _CACHED_ADDRESS_FIELD:
        return _addresses_cached(value)
    return _addresses(value)


_CACHED_ADDRESS_FIELD = 2048  # characters: 1,024 fields of this size at the most in memory


@lru_cache(maxsize=1024)
def _addresses_cached(value: str) -> tuple[tuple[str, str], ...]:
    return _addresses(value)


def _addresses(value: str) -> tuple[tuple[str, str], ...]:
    try:
        return tuple(getaddresses([value]))
    except (ValueError, TypeError, IndexError):
        return ()


def first_address(value: str) -> str | None:
    """The bare lower-case address of the first mailbox in an address header."""
    if not value:
        return None
    for _name, addr in addresses(value):
        addr = addr.strip().strip("<>").lower()
        if "@" in addr and " " not in addr:
            return addr
    return None


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body; script/style dropped, block tags become newlines,
    table cells are separated by a tab (so a table reads as tab-separated rows), and link
    targets are kept beside their text."""

    _BLOCK = frozenset(
        {"br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "pre", "hr", "ul", "ol"}
    )
    _CELL = frozenset({"td", "th"})
    # Where a page keeps the address it sends a visitor or a form to: a phishing URL is
    # often only in an href, and a credential-harvesting attachment's target only in its
    # form's action. (Images are left out: they are the imitated brand's logo or the
    # sender's own tracking pixel.)
    _LINK_ATTRIBUTE = {
        "a": "href",
        "area": "href",
        "form": "action",
        "iframe": "src",
        "frame": "src",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        elif tag in self._CELL:
            self.out.append("\t")
        attribute = self._LINK_ATTRIBUTE.get(tag)
        if attribute:
            target = dict(attrs).get(attribute)
            if target and target.lstrip().lower().startswith(("http", "hxxp", "ftp")):
                self.out.append(f" {target.strip()} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html[:MAX_BODY_TEXT_CHARS])
        extractor.close()
    except (AssertionError, ValueError):
        pass
    return re.sub(r"\n\s*\n+", "\n\n", "".join(extractor.out)).strip()


def sniff_content_type(payload: bytes, filename: str | None) -> str:
    """A content type for a bare document or archive member, by magic then name."""
    if payload.startswith(_ZIP_MAGIC):
        return "application/zip"
    if payload.startswith(_GZIP_MAGIC):
        return "application/gzip"
    if filename:
        lowered = filename.lower()
        if lowered.endswith(".csv"):
            return "text/csv"
        if lowered.endswith((".eml", ".msg")):
            return "message/rfc822"
        guessed, _ = mimetypes.guess_type(lowered, strict=False)
        if guessed:
            return guessed
    head = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "application/json"
    if head.startswith(b"<"):
        return "application/xml"
    first_line = head.split(b"\n", 1)[0]
    if first_line.count(b",") >= 2:
        return "text/csv"
    return "text/plain"


def load(raw: bytes, *, limits: Limits = Limits(), filename: str | None = None) -> Document:  # noqa: B008
    """Decode ``raw`` within ``limits``; raise ``LimitExceeded`` with a named reason when
    a bound is hit and ``ParseError("empty")`` for empty input."""
    deadline = Deadline(limits.seconds)
    if not raw or not raw.strip():
        raise ParseError("empty", "no content")
    if len(raw) > limits.max_bytes:
        raise LimitExceeded("too-large", f"{len(raw)} bytes > {limits.max_bytes}")
    budget = _Budget(limits, deadline)
    stripped = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not _MAIL_START.match(stripped):
        part = Part(
            content_type=sniff_content_type(raw, filename),
            filename=filename,
            payload=raw,
            path="1",
        )
        parts = [part]
        budget.count_part()
        _expand_archives(parts, budget)
        return Document(raw, None, parts, deadline, limits, filename)

    _check_header_section(stripped, limits)
    _prescan_structure(stripped, limits)
    deadline.check()
    message = _parse_bytes(stripped)
    parts = _walk(message, budget)
    _expand_archives(parts, budget)
    return Document(raw, message, parts, deadline, limits, filename)


def _parse_bytes(raw: bytes) -> email.message.Message:
    # The instances are EmailMessage (``_class``), but parsed with compat32, for which
    # typeshed types the result as Message; only the Message API is used on them.
    try:
        return BytesParser(_class=email.message.EmailMessage, policy=policy.compat32).parsebytes(
            raw
        )
    except RecursionError as exc:  # nesting the pre-scan could not see (message/* chains)
        raise LimitExceeded("mime-too-deep", "nesting exhausted the parser") from exc
    except (ValueError, TypeError, LookupError, IndexError, AttributeError) as exc:
        raise ParseError("mime-malformed", type(exc).__name__) from exc


def _check_header_section(raw: bytes, limits: Limits) -> None:
    """RFC 5322 headers end at the first empty line; refuse before parsing when that line
    is further away than ``max_header_bytes`` (a megabyte header)."""
    window = raw[: limits.max_header_bytes + 4]
    if re.search(rb"\r?\n\r?\n", window) is None and len(raw) > limits.max_header_bytes:
        raise LimitExceeded("header-too-large", f"header section > {limits.max_header_bytes}")


def _prescan_structure(raw: bytes, limits: Limits) -> None:
    """Bound multipart nesting and part count in one linear pass over delimiter lines.

    RFC 2046 delimiters are lines ``--boundary`` (``--boundary--`` closes); tracking which
    declared boundaries are open gives the nesting depth without recursing, so a message
    nested thousands deep fails here in milliseconds instead of exhausting the parser."""
    declared = {m.group(1) or m.group(2) for m in _BOUNDARY_DECL.finditer(raw)}
    if not declared:
        # message/rfc822 chains without multiparts: the parser is linear enough for
        # them, RecursionError is caught and the walk measures the depth exactly.
        return
    stack: list[bytes] = []
    delimiters = 0
    for match in _DELIMITER_LINE.finditer(raw):
        token = match.group(1)
        if token.endswith(b"--") and token[:-2] in declared:
            boundary, closing = token[:-2], True
        elif token in declared:
            boundary, closing = token, False
        else:
            continue
        delimiters += 1
        if delimiters > limits.max_parts + len(declared):
            raise LimitExceeded("too-many-parts", f"more than {limits.max_parts} parts")
        if boundary in stack:
            while stack and stack[-1] != boundary:
                stack.pop()
            if closing:
                stack.pop()
        elif not closing:
            stack.append(boundary)
            if len(stack) > limits.max_depth:
                raise LimitExceeded("mime-too-deep", f"multipart nesting > {limits.max_depth}")
    if len(declared) > limits.max_parts:
        raise LimitExceeded("too-many-parts", f"{len(declared)} multipart containers")


class _Budget:
    """Running counters shared by the MIME walk and archive expansion."""

    def __init__(self, limits: Limits, deadline: Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.parts = 0
        self.decompressed = 0

    def count_part(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise LimitExceeded("too-many-parts", f"more than {self.limits.max_parts} parts")

    def add_decompressed(self, size: int) -> None:
        self.decompressed += size
        if self.decompressed > self.limits.max_decompressed_bytes:
            raise LimitExceeded(
                "decompression-bomb",
                f"decompressed more than {self.limits.max_decompressed_bytes} bytes",
            )


def _part_headers(msg: email.message.Message, limits: Limits) -> dict[str, str]:
    size = 0
    headers: dict[str, str] = {}
    for name, value in _raw_headers(msg):
        size += len(name) + len(str(value)) + 4
        if size > limits.max_header_bytes:
            raise LimitExceeded("header-too-large", f"part header > {limits.max_header_bytes}")
        key = name.lower()
        if key not in headers:
            headers[key] = str(value)
    return headers


def _raw_headers(msg: email.message.Message) -> list[tuple[str, str]]:
    """The raw (name, value) pairs as parsed: compat32 keeps them as-is in the private
    ``_headers``. ``items()`` is not the same: it turns values holding undecodable bytes
    into ``Header`` objects."""
    # Private stdlib attribute, absent from typeshed: hence the ignore.
    headers: list[tuple[str, str]] = msg._headers  # type: ignore[attr-defined]
    return headers


def _param(msg: email.message.Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = msg.get_param(name, header=header)
    except (ValueError, TypeError, IndexError, LookupError):
        return None
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        try:
            value = email.utils.collapse_rfc2231_value(value)
        except (LookupError, UnicodeError, TypeError):
            value = str(value[2])
    return decode_header_value(value)[:255] or None


def _filename(msg: email.message.Message) -> str | None:
    return _param(msg, "filename", "content-disposition") or _param(msg, "name")


def _content_type(msg: email.message.Message) -> str:
    try:
        ctype = msg.get_content_type()
    except (ValueError, TypeError, IndexError):
        return "application/octet-stream"
    return ctype.lower()[:100]


def _charset(msg: email.message.Message) -> str | None:
    charset = _param(msg, "charset")
    return charset.lower().strip()[:40] if charset else None


def _decoded_payload(msg: email.message.Message) -> bytes:
    """The transfer-decoded body. compat32 decodes broken base64 leniently (and records a
    defect) instead of raising; any residual error keeps the raw bytes."""
    try:
        payload = msg.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = msg.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _message_bytes(msg: email.message.Message) -> bytes:
    """Bytes of an attached message rebuilt from the parsed tree: compat32 keeps each
    header's original text (folding included), which is what ARF parsers need (Received
    chains). Rebuilt by hand because ``as_bytes`` re-folds every header, the single most
    expensive step of a parse. Depth is already bounded by ``max_depth``."""
    return _flatten(msg).encode("utf-8", errors="surrogateescape")


def _flatten(msg: email.message.Message) -> str:
    head = "".join(f"{name}: {value}\n" for name, value in _raw_headers(msg))
    payload = msg.get_payload()
    if not isinstance(payload, list):
        body = payload if isinstance(payload, str) else ""
    elif msg.get_content_maintype() == "multipart":
        boundary = msg.get_boundary() or "boundary"
        body = (msg.preamble or "") + "\n" if msg.preamble else ""
        for child in payload:
            if isinstance(child, email.message.Message):  # always, in a parsed tree
                body += f"--{boundary}\n{_flatten(child)}\n"
        body += f"--{boundary}--\n" + (msg.epilogue or "")
    else:  # message/*: the enclosed message(s)
        body = "".join(
            _flatten(child) for child in payload if isinstance(child, email.message.Message)
        )
    return f"{head}\n{body}"


def _walk(root: email.message.Message, budget: _Budget) -> list[Part]:
    """Flatten the MIME tree iteratively (explicit stack, depth-limited)."""
    limits = budget.limits
    parts: list[Part] = []
    _part_headers(root, limits)
    stack: list[tuple[email.message.Message, str, int]] = [(root, "", 0)]
    while stack:
        budget.deadline.check()
        msg, path, depth = stack.pop()
        if depth > limits.max_depth:
            raise LimitExceeded("mime-too-deep", f"nesting > {limits.max_depth}")
        ctype = _content_type(msg)
        payload = msg.get_payload()
        if msg.is_multipart() and isinstance(payload, list) and ctype in _FIELD_BLOCKS:
            # message/feedback-report, delivery-status...: RFC 5965/3464 field blocks that
            # compat32 parses as header-only messages; a leaf holding their text.
            budget.count_part()
            parts.append(
                Part(
                    content_type=ctype,
                    filename=_filename(msg),
                    payload=b"\n".join(
                        _message_bytes(m)
                        for m in payload[:50]
                        if isinstance(m, email.message.Message)
                    ),
                    charset=_charset(msg),
                    path=path or "1",
                    headers=_part_headers(msg, limits),
                )
            )
            continue
        if (
            ctype.startswith("message/")
            and isinstance(payload, list)
            and payload
            and isinstance(payload[0], email.message.Message)
            and str(msg.get("content-transfer-encoding", "")).strip().lower()
            in ("base64", "quoted-printable")
        ):
            # A forwarded original sent base64/quoted-printable encoded (RFC 2046 forbids
            # it, reporters do it anyway): compat32 parsed the encoded text as a message;
            # decode it and parse the result as the message it is.
            payload = [_parse_bytes(_transfer_decode(msg, _message_bytes(payload[0])))]
            msg.set_payload(payload)
        if msg.is_multipart() and isinstance(payload, list):
            is_message = ctype.startswith("message/")
            if is_message:
                budget.count_part()
                parts.append(
                    Part(
                        content_type=ctype,
                        filename=_filename(msg),
                        payload=_message_bytes(payload[0])
                        if payload and isinstance(payload[0], email.message.Message)
                        else b"",
                        charset=_charset(msg),
                        path=path or "1",
                        headers=_part_headers(msg, limits),
                    )
                )
            children = list(_children(msg, payload, path, is_message))
            if len(children) > limits.max_parts:
                raise LimitExceeded("too-many-parts", f"{len(children)} children")
            for child in reversed(children):
                stack.append((child[0], child[1], depth + 1))
            continue
        budget.count_part()
        part = Part(
            content_type=ctype,
            filename=_filename(msg),
            payload=_decoded_payload(msg),
            charset=_charset(msg),
            path=path or "1",
            headers=_part_headers(msg, limits),
        )
        parts.append(part)
    return parts


def _transfer_decode(msg: email.message.Message, data: bytes) -> bytes:
    cte = str(msg.get("content-transfer-encoding", "")).strip().lower()
    body = data.split(b"\n\n", 1)[-1] if data.startswith(b"\n") else data
    try:
        if cte == "base64":
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", body) + b"===")
        if cte == "quoted-printable":
            return quopri.decodestring(data)
    except (ValueError, binascii.Error):
        return data
    return data


def _children(
    msg: email.message.Message, payload: list, path: str, is_message: bool
) -> Iterator[tuple[email.message.Message, str]]:
    if is_message:
        # The attached message's own body: numbered below the message part like IMAP.
        for sub in payload[:1]:
            if not isinstance(sub, email.message.Message):
                continue
            sub_payload = sub.get_payload()
            prefix = path or "1"
            if sub.is_multipart() and isinstance(sub_payload, list):
                for i, child in enumerate(sub_payload, 1):
                    yield child, f"{prefix}.{i}"
            else:
                yield sub, f"{prefix}.1"
        return
    for i, child in enumerate(payload, 1):
        if isinstance(child, email.message.Message):
            yield child, f"{path}.{i}" if path else str(i)


def _expand_archives(parts: list[Part], budget: _Budget) -> None:
    """Append the members of zip/gzip parts as extra Parts (path "2/report.csv"),
    decompressing as a stream against the shared byte budget; declared sizes are never
    trusted. Corrupt or encrypted archives stay as they are, unexpanded."""
    queue = [(p, 1) for p in parts if p.payload.startswith((_ZIP_MAGIC, _GZIP_MAGIC))]
    while queue:
        budget.deadline.check()
        archive, level = queue.pop(0)
        if level > MAX_ARCHIVE_NESTING:
            continue
        for member in _archive_members(archive, budget):
            budget.count_part()
            parts.append(member)
            if member.payload.startswith((_ZIP_MAGIC, _GZIP_MAGIC)):
                queue.append((member, level + 1))


def _archive_members(archive: Part, budget: _Budget) -> list[Part]:
    if archive.payload.startswith(_GZIP_MAGIC):
        data = _gunzip(archive.payload, budget)
        if data is None:
            return []
        name = archive.filename or "document"
        name = name[:-3] if name.lower().endswith(".gz") else name
        name = name[:-4] if name.lower().endswith(".tgz") else name
        return [
            Part(
                content_type=sniff_content_type(data, name),
                filename=name,
                payload=data,
                path=f"{archive.path}/{name}",
            )
        ]
    try:
        zf = zipfile.ZipFile(BytesIO(archive.payload))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return []
    if len(infos) > budget.limits.max_parts:
        raise LimitExceeded("too-many-parts", f"zip with {len(infos)} members")
    members = []
    for info in infos:
        if info.is_dir() or info.flag_bits & 0x1:  # directories, encrypted members
            continue
        data = _unzip_member(zf, info, budget)
        if data is None:
            continue
        name = info.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
        members.append(
            Part(
                content_type=sniff_content_type(data, name),
                filename=name,
                payload=data,
                path=f"{archive.path}/{name}",
            )
        )
    return members


def _unzip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes | None:
    out = bytearray()
    try:
        with zf.open(info) as stream:
            while True:
                budget.deadline.check()
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                budget.add_decompressed(len(chunk))
                out += chunk
    except LimitExceeded:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError):
        return bytes(out) if out else None
    except zlib.error:
        return bytes(out) if out else None
    return bytes(out)


def _gunzip(payload: bytes, budget: _Budget) -> bytes | None:
    """Stream-decompress every gzip member with ``max_length`` so a bomb never inflates
    beyond the budget in memory."""
    out = bytearray()
    data = payload
    try:
        while data:
            decomp = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header
            pending = data
            while True:
                budget.deadline.check()
                chunk = decomp.decompress(pending, _CHUNK)
                budget.add_decompressed(len(chunk))
                out += chunk
                pending = decomp.unconsumed_tail
                if decomp.eof or (not pending and not chunk):
                    break
            data = decomp.unused_data if decomp.eof else b""
            if data and not data.startswith(_GZIP_MAGIC):
                break  # trailing garbage after the last member
    except zlib.error:
        return bytes(out) if out else None
    return bytes(out)


def walk_texts(doc: Document) -> Iterator[Part]:
    """Every textual part (text/*, headers, attached messages), archive members included."""
    for part in doc.parts:
        if part.content_type.startswith("text/") or part.content_type.startswith("message/"):
            yield part


__all__ = [
    "ARCHIVE_TYPES",
    "Document",
    "decode_header_value",
    "first_address",
    "html_to_text",
    "load",
    "sniff_content_type",
    "walk_texts",
]
