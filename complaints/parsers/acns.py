"""ACNS (Automated Copyright Notice System) 1.2/2.0 notices: the ``<Infringement>`` XML
that rights holders (IP-Echelon, Irdeto, ...) embed in the mail body or attach.

Responsibility: one ``copyright`` event per notice from ``Source`` (IP, port, timestamp,
protocol) with the infringed item (title, file name, hash) as evidence and data.

Boundary: XML is parsed with defusedxml only; entity tricks are a named ParseError
("xml-entity-expansion"). A notice without a usable IP is returned without events (the
pipeline quarantines it) rather than guessed from prose.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlSyntaxError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, EntitiesForbidden

from . import indicators
from .base import ParsedEvent, ParseError, ParseResult
from .mime import Document
from .util import parse_time

_XML_TYPES = ("application/xml", "text/xml", "application/octet-stream", "text/plain")
# The notice runs from its first opening tag to the first closing tag after it; the XML
# declaration and DOCTYPE just before it are kept with it, so that defusedxml sees (and
# refuses) entity tricks. Found with ``str.find`` scans rather than one pattern: a
# lazy ".*?" to the closing tag, retried from each of many unclosed "<Infringement" (or
# "<!DOCTYPE x [") to the end of the text, was quadratic.
_OPENING = re.compile(r"<Infringement\b")
_CLOSING = re.compile(r"</Infringement\s*>")
_XML_DECLARATION = 200  # characters between "<?xml" and "?>"
MAX_XML = 1024 * 1024


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _text(node: Element | None, *path: str) -> str:
    found = _child(node, *path)
    return (found.text or "").strip()[:500] if found is not None else ""


def _prolog_start(text: str, opening: int) -> int:
    """Where the XML declaration and DOCTYPE right before ``opening`` start (blanks
    between them allowed), or ``opening`` when there are none."""
    start = opening
    end = len(text[:opening].rstrip())
    if text.endswith(">", 0, end):
        doctype = text.rfind("<!DOCTYPE", 0, end)
        if doctype >= 0 and _is_doctype(text, doctype, end):
            start = doctype
            end = len(text[:doctype].rstrip())
    if text.endswith("?>", 0, end):
        declaration = text.rfind("<?xml", 0, end)
        inner = declaration + len("<?xml")
        if (
            declaration >= 0
            and end - 2 - inner <= _XML_DECLARATION
            and text.find(">", inner, end - 2) < 0
        ):
            start = declaration
    return start


def _is_doctype(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is ``<!DOCTYPE ...>``, its internal subset in brackets: no
    ">" before the "[" that opens the subset, and none between the last "]" and the end."""
    inner = start + len("<!DOCTYPE")
    first_gt = text.find(">", inner, end)
    if first_gt == end - 1:
        return True  # no subset: nothing but the final ">" closes it
    bracket = text.find("[", inner, end)
    if bracket < 0 or bracket > first_gt:
        return False
    last_bracket = text.rfind("]", bracket + 1, end - 1)
    return last_bracket >= 0 and text.find(">", last_bracket + 1, end - 1) < 0


def find_notice(doc: Document) -> str | None:
    """The ACNS XML text: an XML attachment first, else inline in a text part."""
    for part in doc.find(*_XML_TYPES):
        if b"<Infringement" not in part.payload[:MAX_XML]:
            continue
        notice = notice_in(part.text()[:MAX_XML])
        if notice is not None:
            return notice
    return None


def notice_in(text: str) -> str | None:
    """The notice in ``text``, with the XML declaration and DOCTYPE right before it."""
    opening = _OPENING.search(text)
    closing = _CLOSING.search(text, opening.end()) if opening else None
    if opening is None or closing is None:
        return None
    return text[_prolog_start(text, opening.start()) : closing.end()]


class AcnsParser:
    name = "acns"

    def detect(self, doc: Document) -> bool:
        return any(
            b"<Infringement" in p.payload[:MAX_XML] and b"acns" in p.payload[:MAX_XML].lower()
            for p in doc.find(*_XML_TYPES)
        )

    def parse(self, doc: Document) -> ParseResult:
        xml = find_notice(doc)
        if xml is None:
            raise ParseError("acns-missing", "no <Infringement> document found")
        # The inline copy sits in a PGP-signed body: "- " dash-escaping (RFC 4880 7.1) is
        # harmless inside XML, but the encoding declaration must go for str input.
        xml = re.sub(r"^\s*<\?xml[^>]*\?>", "", xml)
        try:
            root = SafeET.fromstring(xml)
        except EntitiesForbidden as exc:
            raise ParseError("xml-entity-expansion", "entity declaration in ACNS") from exc
        except DefusedXmlException as exc:
            raise ParseError("xml-forbidden", type(exc).__name__) from exc
        except XmlSyntaxError as exc:
            raise ParseError("invalid-xml", str(exc)[:200]) from exc
        source = _child(root, "Source")
        item = _child(root, "Content", "Item")
        ip = indicators.is_reportable_ip(_text(source, "IP_Address"), structured=True)
        observed = parse_time(_text(source, "TimeStamp")) or parse_time(_text(item, "TimeStamp"))
        port_text = _text(source, "Port")
        protocol = _text(source, "Type") or None
        title = _text(item, "Title")
        file_name = _text(item, "FileName")
        hash_value = _text(item, "Hash")
        case_id = _text(root, "Case", "ID")
        events = []
        if ip:
            events.append(
                ParsedEvent(
                    type="copyright",
                    ip=ip,
                    observed_at=observed,
                    port=int(port_text) if port_text.isdigit() and int(port_text) < 65536 else None,
                    protocol=protocol.lower() if protocol else None,
                    identifier=title or file_name or None,
                    evidence=f"{title} / {file_name} {hash_value}".strip()[:300],
                )
            )
        return ParseResult(
            format=self.name,
            events=events,
            reporter_address=doc.from_address,
            reporter_name=_text(root, "Complainant", "Entity") or None,
            subject=doc.subject,
            summary=f"ACNS copyright notice {case_id}: {title or file_name}".strip(),
            evidence=indicators.excerpt(xml, 3000),
            has_logs_or_headers=True,
            data={
                "case_id": case_id,
                "complainant": _text(root, "Complainant", "Entity"),
                "title": title,
                "file_name": file_name,
                "file_hash": hash_value,
                "ip_as_reported": _text(source, "IP_Address"),
            },
        )


PARSER = AcnsParser()
