"""Mail to the abuse desk that is not a complaint, and complaints that look like it.

Responsibility: decide, from what the sender wrote *itself* (quoted and forwarded text
left out), whether a free-text message alleges abuse or answers, acknowledges, rejects,
closes, advertises or notifies. The route for "not a complaint" is the one auto-replies,
DMARC and TLS reports take: a ``ParseResult`` with ``is_complaint=False`` and no events,
filed as correspondence, never acknowledged and never a ticket.

A message is correspondence when its own text carries one of the cues below (an
acknowledgement from another desk, "not our customer", a rejection, "resolved, thanks",
a challenge-response, a delisting confirmation, a vacation notice, a newsletter or list
mail, a registry notification, a customer's answer, a short answer that names no abuse)
*and* no sign of a complaint: no request for action ("please remove…", "we ask you to
suspend…") and no labelled evidence ("Source IP: …", "Infringing URL: …"). The same test keeps a complaint that carries an
auto-reply header (a CERT's ticket system, a helpdesk's) from being filed as an
auto-reply (``autoreply``).

Boundary: wording and header tests only; which indicators a complaint holds is
``structure``'s and ``indicators``' business. Patterns read lower-cased text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import classify
from .mime import Document
from .wording import lowered_pattern, present, words

MAX_OWN_TEXT = 64 * 1024

# Where the sender's own words end: a quoted or forwarded original below them.
_QUOTE_START = re.compile(
    r"^[ \t]*+(?:-{2,}[ \t]*+(?:original|forwarded|urspr|message d.origine|oorspronkelijk)"
    r"|on [^\n]{0,200}wrote:[ \t]*$|am [^\n]{0,200}schrieb[^\n]{0,60}:[ \t]*$"
    r"|le [^\n]{0,200}a [ée]crit[ \t]*:|begin forwarded message|_{5,}[ \t]*$"
    r"|from:[^\n]{0,300}\n[ \t]*sent:)",
    re.IGNORECASE | re.MULTILINE,
)

# The same cues as others write them: literal phrases (lower case) per cue, in German,
# French, Spanish, Portuguese, Italian, Dutch, Russian and Japanese. Each is also its own
# hint (below), and joins its cue's pattern (``_abroad``).
_ABROAD: dict[str, tuple[str, ...]] = {
    "request-open": (
        "wir bitten", "ich bitte", "nous vous demandons", "je vous demande", "les rogamos",
        "le rogamos", "rogamos", "les pedimos", "le pedimos", "solicitamos", "peço que",
        "pedimos que", "solicito que", "vi preghiamo", "vi chiediamo", "wij verzoeken",
        "verzoeken wij", "просим", "прошу",
    ),
    "request-act": (
        "löschen", "unterbinden", "abzustellen", "maßnahmen", "retirer", "bloquer",
        "mesures", "eliminar", "elimínen", "retirar", "bloquear", "suspender", "medidas",
        "tirem", "remover", "providências", "rimuovere", "bloccare", "offline te halen",
        "принять меры", "удалить", "заблокировать", "прекратить", "устранению",
    ),
    "vacation": (
        "nicht im büro", "bin abwesend", "abwesenheitsnotiz", "en congé", "absent du bureau",
        "fuera de la oficina", "de vacaciones", "fora do escritório", "estou de férias",
        "em férias", "fuori ufficio", "in ferie", "met vakantie", "в отпуске", "отсутствую",
        "夏季休業", "年末年始休業", "休業のお知らせ", "不在にしております",
    ),
    "acknowledgement": (
        "eingangsbestätigung", "eingangsbestaetigung", "vielen dank für ihre nachricht",
        "vielen dank für ihre meldung", "vielen dank für ihre e-mail",
        "unter der ticketnummer", "wir haben ihre nachricht erhalten",
        "wir haben ihre meldung erhalten", "accusé de réception", "nous avons bien reçu",
        "votre signalement a été enregistré", "votre demande a été enregistrée",
        "acuse de recibo", "hemos recibido su mensaje", "hemos recibido su reporte",
        "hemos recibido su denuncia", "hemos recibido su notificación",
        "ha sido registrad", "confirmação de recebimento", "recebemos sua mensagem",
        "recebemos sua notificação", "recebemos a sua mensagem", "foi registrad",
        "abbiamo ricevuto la sua segnalazione", "abbiamo ricevuto la vostra segnalazione",
        "ontvangstbevestiging", "wij hebben uw melding ontvangen",
        "ваше обращение зарегистрировано", "ваше обращение принято",
        "ваше обращение получено", "обращение зарегистрировано", "受け付けました", "受付番号",
    ),
    "not-ours": (
        "gehört nicht zu unserem netz", "kein kunde von uns", "nicht unser kunde",
        "n'est pas notre client", "ne fait pas partie de notre réseau",
        "no es cliente nuestro", "no pertenece a nuestra red", "não é nosso cliente",
        "não pertence à nossa rede", "non è nostro cliente", "geen klant van ons",
        "не является нашим клиентом", "не принадлежит нашей сети", "当社の顧客ではありません",
    ),
    "resolved": (
        "nicht mehr erreichbar", "ist erledigt", "wurde geschlossen", "n'est plus accessible",
        "n'est plus en ligne", "a été clôturé", "ya no está accesible",
        "ya no está disponible", "ya no está en línea", "ha sido cerrado",
        "não está mais acessível", "não está mais disponível", "não está mais no ar",
        "foi encerrado", "foi resolvido", "non è più raggiungibile", "niet meer bereikbaar",
        "больше не доступ", "инцидент закрыт", "обращение закрыто", "対応が完了",
        "解決しました",
    ),
    "customer-answer": (
        "wurde entfernt", "wurden entfernt", "wurde gelöscht", "wurden gelöscht",
        "nous avons supprimé", "avons nettoyé", "a été supprimé", "hemos eliminado",
        "hemos borrado", "hemos limpiado", "removemos", "excluímos", "abbiamo rimosso",
        "hebben de bestanden verwijderd", "мы удалили", "удалили файлы", "削除しました",
    ),
}  # fmt: skip


def _abroad(cue: str) -> str:
    """``_ABROAD[cue]`` as alternatives to append to a pattern: "|a|b..."."""
    return "".join(f"|{re.escape(phrase)}" for phrase in _ABROAD[cue])


# A request for action: what a complaint asks of the network's operator.
_ACTS = (
    r"\b(?:remove|take (?:\w+ )?(?:down|offline)|takedown|suspend|null-?route|disable"
    r"|investigate|stop|terminate|block|shut (?:\w+ )?down|preserve|deal with|clean|look into"
    r"|act\b|take (?:appropriate |the necessary )?action|make (?:it|this|them) stop|put an end"
    r"|review|contact your|inform|notify|restrict|secure|close it|entfernen|sperren"
    r"|supprimer|suspendre|le suspendre|verwijderen" + _abroad("request-act") + ")"
)
_REQUEST = lowered_pattern(
    r"\b(?:please|pls|kindly|we (?:kindly )?(?:ask|request|urge)|i (?:ask|request|urge)"
    r"|(?:could|can|would) you|we (?:would )?(?:appreciate|expect)|ask(?:ing)? (?:you )?that"
    r"|request that|bitte|merci de|gelieve|por favor)\b[^.\n]{0,80}?" + _ACTS
)
# The same asked in other languages: a pattern of its own, searched only when one of its
# openers is in the text (English mail does not pay for them). Japanese puts the request
# after the act: "…を削除していただきますようお願い…".
_REQUEST_ABROAD = lowered_pattern(
    "(?:"
    + _abroad("request-open")[1:]
    + r")\b[^.\n]{0,80}?"
    + _ACTS
    + r"|(?:削除|停止|対応|措置)[^。\n]{0,40}?(?:お願い|ください|下さい)"
)

# (kind, rule name, pattern) in the order they are tried.
_CUES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "auto-reply",
        "vacation",
        lowered_pattern(
            r"out of (?:the )?office|\bon (?:vacation|holiday|holidays|leave|annual leave)\b"
            r"|office is closed|will be read when|(?:i am|i'm) (?:away|absent)|im urlaub"
            r"|absente? jusqu|afwezig tot|ausente hasta|closed for (?:summer |the )?holidays"
            + _abroad("vacation")
        ),
    ),
    (
        "correspondence",
        "acknowledgement",
        lowered_pattern(
            r"acknowledge (?:the )?receipt|(?:has|have) been (?:received|created|registered|logged)"
            r"|(?:we|i) (?:have )?received your (?:abuse )?(?:report|message|e-?mail|complaint"
            r"|request|notification)|(?:has|have) been (?:added|assigned) to (?:our|the) (?:abuse )?(?:queue|ticket|system)"
            r"|opened (?:an? )?(?:internal )?(?:case|ticket|incident)|assigned (?:the )?ticket"
            r"|thank(?:s| you) for (?:your|the) (?:abuse )?(?:report|message|e-?mail|notification"
            r"|complaint|feedback|information)|thank(?:s| you) for contacting"
            r"|keep the ticket number|reply above this line|do not need to reply"
            r"|automatically generated in response"
            r"|thank(?:s| you) for (?:the|your) (?:warning|notice|alert|heads-up|hint)"
            + _abroad("acknowledgement")
        ),
    ),
    (
        "correspondence",
        "not-ours",
        lowered_pattern(
            r"not (?:part of )?our (?:network|customer|client|ip space|address space)"
            r"|(?:is|are) not (?:one of )?our (?:customers?|clients?)|\bdo(?:es)? not host"
            r"|not hosted (?:by|with|on) us|no longer (?:a |our )?customer"
            r"|(?:reverse proxy|pass-through|transit provider|only provide transit)"
            r"|please contact the (?:hosting|abuse|responsible|registrar)" + _abroad("not-ours")
        ),
    ),
    (
        "correspondence",
        "rejection",
        lowered_pattern(
            r"could not (?:be )?process|cannot be processed|(?:does|did) not contain enough"
            r"|insufficient (?:information|evidence|details)|unable to (?:process|act on|verify)"
            r"|not enough (?:information|evidence)"
        ),
    ),
    (
        "correspondence",
        "resolved",
        lowered_pattern(
            r"(?:have|has) closed (?:the |this |our )?(?:case|ticket|incident)"
            r"|closing (?:this|the) (?:ticket|case)|(?:case|ticket|incident) (?:is|has been|was)"
            r" (?:closed|resolved)|no longer (?:reachable|resolves|online|available|active)"
            r"|thank(?:s| you) for (?:your |the )?(?:quick|prompt|swift|fast|rapid) (?:action"
            r"|response|help|handling|reaction)|thank(?:s| you) for (?:removing|taking|your help)"
            + _abroad("resolved")
        ),
    ),
    (
        "correspondence",
        "challenge-response",
        lowered_pattern(
            r"verify (?:that )?you are (?:a )?(?:human|person|real)"
            r"|only accepts (?:mail|e-?mail|messages) from (?:verified|known|approved) senders"
            r"|to verify (?:that you are|your (?:message|e-?mail|address))|challenge[- ]response"
        ),
    ),
    (
        "correspondence",
        "delisting",
        lowered_pattern(
            r"delist(?:ing)? request[^.\n]{0,40}(?:approved|granted|processed|accepted|completed)"
            r"|(?:has been|was|were) removed from (?:our|the) (?:block|black) ?list|\bdelisted\b"
        ),
    ),
    (
        "correspondence",
        "notification",
        lowered_pattern(
            r"(?:this is to )?notify you that (?:the )?objects?|notification of [^.\n]{0,40}changes"
            r"|referenced as (?:a )?(?:maintainer|notification contact)"
        ),
    ),
    (
        "correspondence",
        "customer-answer",
        lowered_pattern(
            r"following your (?:notice|report|message|e-?mail)|(?:lift|remove) the (?:restriction"
            r"|suspension|block)|counter-?notice|we (?:have )?(?:removed|deleted|cleaned|fixed"
            r"|secured|patched) (?:the|all|our)"
            r"|(?:deleted|removed) (?:it|them)\b|changed (?:every|all|the) passwords?"
            r"|updated (?:wordpress|joomla|drupal|the cms|all (?:the )?plugins)"
            + _abroad("customer-answer")
        ),
    ),
)
# Literal words one of which every match of a cue contains: a cue whose words are absent
# costs no regular-expression pass (most complaints match none).
_CUE_HINTS: dict[str, tuple[str, ...]] = {
    "vacation": ("office", "vacation", "holiday", "leave", "will be read", "away", "absent",
                 "urlaub", "afwezig", "ausente"),
    "acknowledgement": ("acknowledge", "been", "received your", "opened", "assigned", "thank",
                        "ticket number", "reply above", "need to reply", "automatically"),
    "not-ours": ("not", "no longer", "proxy", "pass-through", "transit", "contact the"),
    "rejection": ("process", "enough", "insufficient", "unable"),
    "resolved": ("closed", "closing", "no longer", "thank"),
    "challenge-response": ("verify", "accepts", "challenge"),
    "delisting": ("delist", "removed from"),
    "notification": ("notify", "notification", "referenced"),
    "customer-answer": ("following your", "deleted", "removed", "changed", "updated", "lift", "remove the", "counter", "we have", "we removed",
                        "we deleted", "we cleaned", "we fixed", "we secured", "we patched"),
}  # fmt: skip
# The phrases written in other languages are hints of their own cues.
for _cue, _phrases in _ABROAD.items():
    if _cue in _CUE_HINTS:
        _CUE_HINTS[_cue] += _phrases
_SUBJECT_CUE = lowered_pattern(
    r"\breceived:|acknowledg|\bticket (?:created|opened)|request received"
    r"|delisting (?:request )?(?:approved|granted|completed)|could not be processed"
    r"|\bdigest\b|newsletter|\bresolved:|\bclosed:|resolvido|resuelto|résolu|erledigt:"
    r"|eingangsbest|accusé de réception|acuse de recibo|ontvangstbevestiging"
)
_BULK_PRECEDENCE = ("bulk", "list", "junk")
# A subject that answers: a reply prefix ("Re:", "AW:", "SV:", "Antw:"...; not a forward's),
# or a word saying so ("Cloudflare response").
_ANSWER_PREFIX = re.compile(r"^\s*+(?:re|aw|sv|vs|antw|odp)\s*+(?:\[\d{1,4}\]\s*+)?:", re.I)
_ANSWER_WORD = lowered_pattern(
    r"\b(?:response|reply|answer|antwort|r[ée]ponse|respuesta|resposta|risposta)\b"
)
# An answer this short (own words, in characters) that names no kind of abuse is
# correspondence: a CDN's one line saying where a name resolves, a registrar's "hosted by".
MAX_SHORT_ANSWER = 400


@dataclass(frozen=True)
class Verdict:
    kind: str  # "correspondence" or "auto-reply"
    rule: str  # the cue that decided: "acknowledgement", "not-ours", "newsletter", ...


def own_text(body: str) -> str:
    """The sender's own words: ``body`` up to a quoted or forwarded original, without
    "> " quoted lines."""
    body = body[:MAX_OWN_TEXT]
    match = _QUOTE_START.search(body)
    if match:
        body = body[: match.start()]
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))


def requests_action(text: str) -> bool:
    """True when ``text`` asks the reader to act against something (remove, suspend,
    investigate, stop...)."""
    lowered = text.lower()
    if any(word in lowered for word in _REQUEST_HINTS) and _REQUEST.search(lowered):
        return True
    return any(word in lowered for word in _REQUEST_ABROAD_HINTS) and bool(
        _REQUEST_ABROAD.search(lowered)
    )


_REQUEST_HINTS = ("please", "pls", "kindly", "ask", "request", "urge", "you", "appreciate",
                  "expect", "bitte", "merci", "gelieve", "favor")  # fmt: skip
_REQUEST_ABROAD_HINTS = (*_ABROAD["request-open"], "削除", "停止", "対応", "措置")
# Every cue's hint words, found in one pass over the text.
_CUE_WORDS = words({hint for hints in _CUE_HINTS.values() for hint in hints})


# A list mail is a newsletter unless it speaks to the reader as the abuse contact of an
# address in its network: reputation services send their per-address alerts with
# List-Unsubscribe too.
_YOUR_NETWORK = lowered_pattern(
    r"\b(?:in|from|on) your (?:network|ip space|address space|range|as\b)"
    r"|abuse contact (?:for|of)|you are (?:listed as )?the abuse contact"
)


def _is_bulk(doc: Document) -> bool:
    return bool(
        doc.header("List-Id")
        or doc.header("List-Unsubscribe")
        or doc.header("Precedence").strip().lower() in _BULK_PRECEDENCE
    )


def judge(doc: Document, body: str, *, evidence_fields: Callable[[str], int]) -> Verdict | None:
    """A verdict when the message is not a complaint; None when it is (or may be) one.
    ``evidence_fields(own_text)``: how many labelled values of the abuse the sender's own
    text holds (asked only when a cue of correspondence was found: most complaints have
    none)."""
    own = own_text(body)
    # A request for action makes a complaint whatever else the text says: asked first,
    # since most complaints make one and then need no cue scanned.
    if requests_action(own):
        return None
    lowered = own.lower()
    hints = present(_CUE_WORDS, lowered)
    verdict = next(
        (
            Verdict(kind, rule)
            for kind, rule, pattern in _CUES
            if not hints.isdisjoint(_CUE_HINTS[rule]) and pattern.search(lowered)
        ),
        None,
    )
    if verdict is None and _SUBJECT_CUE.search(doc.subject.lower()):
        verdict = Verdict("correspondence", "subject")
    if (
        verdict is None
        and _is_bulk(doc)
        and not _YOUR_NETWORK.search(f"{doc.subject}\n{lowered}".lower())
    ):
        verdict = Verdict("correspondence", "newsletter")
    if verdict is None and _short_answer(doc.subject, own):
        verdict = Verdict("correspondence", "short-answer")
    if verdict is None or evidence_fields(own):
        return None
    return verdict


def _short_answer(subject: str, own: str) -> bool:
    """An answer (by its subject) of a few lines whose subject and words allege nothing: no
    kind of abuse named (``classify``). The request and the labelled evidence that would
    make it a complaint are asked by the caller. A reply that carries the desk's reply
    address is threaded before any parser reads it; this is the one that comes without."""
    if len(own.strip()) > MAX_SHORT_ANSWER:
        return False
    if not (_ANSWER_PREFIX.match(subject) or _ANSWER_WORD.search(subject.lower())):
        return False
    return classify.classify(subject=subject, body=own) is None


def looks_like_complaint(body: str, *, evidence_fields: int) -> bool:
    """For a message marked as an automatic reply: does its own text still make a
    complaint (labelled evidence, or a request for action)?"""
    return bool(evidence_fields) or requests_action(own_text(body))
