"""What kind of abuse a complaint is about, in the desk's RSIT vocabulary, and why.

Responsibility: map what the reporter says — its own label (``Report type: Phishing``),
its subject line, its prose, the sender's known layout — to one RSIT / IntelMQ
``classification.type``, and name the rule that decided, so an agent (and the evaluation)
can see why an event was typed as it was. Format parsers (ARF, X-ARF, Shadowserver...)
carry their sender's own field and do not come here.

How it decides: every rule is a pattern of words for one type. A match in a kind label
counts 10, in the subject 5, in the body 1 (times the rule's weight: generic words such as
"spam", which a phishing notice also uses, weigh less). The best total wins; ties go to the
earlier, more specific rule. Nothing matching leaves the sender's default, else nothing.

Boundary: pure functions over text; the wording patterns read lower-cased text (see
``wording``). The vocabulary itself (types and taxonomy) is ``base.TAXONOMY_OF_TYPE``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .base import ParsedEvent
from .wording import lowered_pattern, present, words

MAX_TEXT = 512 * 1024
LABEL_WEIGHT = 10
SUBJECT_WEIGHT = 5


@dataclass(frozen=True)
class Rule:
    name: str  # stable, shown on the event: "phishing-credential-page"
    type: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]  # literal words one of which every match contains
    weight: float = 1.0


def _rule(
    name: str, type_: str, pattern: str, triggers: str, weight: float = 1.0, words: str = ""
) -> tuple[Rule, ...]:
    """The rule, and with ``words`` (literal stems in other languages, "|"-separated, lower
    case, matched anywhere: Japanese has no word boundaries, and the stems are long enough
    to mean one thing) a second rule of the same name and type for them, right after it: it
    adds to the same total and is scanned only when one of its stems is in the text, so
    English mail does not pay for the other languages' alternatives."""
    rules = [Rule(name, type_, lowered_pattern(pattern), tuple(triggers.split("|")), weight)]
    stems = [stem for stem in words.split("|") if stem]
    if stems:
        foreign = lowered_pattern("|".join(re.escape(stem) for stem in stems))
        rules.append(Rule(name, type_, foreign, tuple(stems), weight))
    return tuple(rules)


# The desk's mail comes in German, French, Spanish, Portuguese, Italian, Dutch, Russian and
# Japanese as well as English: each rule carries the usual words of those for its kind.


# Most specific first (ties go to the earlier rule).
_RULE_GROUPS: tuple[tuple[Rule, ...], ...] = (
    _rule(
        "c2-server",
        "c2-server",
        r"\bc(?:&|and|n)c\b|command[- ]and[- ]control|\bc2\b|botnet controller|team ?server"
        r"|cobalt ?strike|\bbeacons?\b|control panel of (?:a|the) botnet",
        "c&c|cnc|cand|command|c2|botnet|team server|teamserver|cobalt|beacon|control panel",
        words="steuerserver|kontrollserver|serveur de commande|servidor de comando|servidor de control|управляющий сервер|управляющего сервера|指令サーバ|指令サーバー",
    ),
    _rule(
        "harmful-speech",
        "harmful-speech",
        r"harass|threats? of violence|threaten|\bdox(?:x)?(?:ing|ed)?\b|home address"
        r"|hate speech|defamat|stalk|bullying|death threat",
        "harass|threat|dox|home address|hate speech|defamat|stalk|bullying",
        words="belästig|bedroh|drohung|verleumd|hassrede|harcèlement|harceler|menace de mort|menaces|diffamation|acoso|acosar|amenaza|difamaci|discurso de odio|assédio|ameaça|difamação|molestie|minacce|diffamazione|intimidatie|bedreiging|smaad|угроз|травл|клевет|преследован|誹謗中傷|脅迫|嫌がらせ|殺害予告",
    ),
    _rule(
        "phishing-credential-page",
        "phishing",
        r"phish|hame[cç]onn|credential (?:page|phishing|harvest|theft)|fake (?:login|bank|sign)"
        r"|fake\s++(?:[\w.\-]++\s++){1,3}(?:log-?in|sign-?in)\s++(?:page|form|site|portal)"
        r"|imperson|imitat|spoof(?:ed|ing) (?:site|page|login|brand)|look-?alike"
        r"|asks? (?:for )?(?:the |my |their |your )?(?:mailbox |account )?(?:password|card|pin|login"
        r"|credentials)|(?:login|sign-?in) (?:page|form) (?:copy|imitat)|harvest(?:s|ing)? "
        r"(?:credentials|passwords|logins)|collects? (?:credentials|passwords|policy numbers"
        r"|bank details|card)|verify your (?:identity|account)|(?:locked|suspended) your account"
        r"|restore (?:your )?access|unusual (?:sign-in )?activity|confirm your (?:identity|account"
        r"|card|details)"
        # the lures people forward: a parcel held for a fee, "is this real?"
        r"|parcel (?:could not|couldn't|cannot) be delivered|(?:customs|delivery|redelivery"
        r"|shipping|handling) fee|reschedule (?:your |the )?delivery|is this (?:real|legit|genuine)"
        r"|almost clicked|suspicious (?:e-?mail|message|link|text|sms)|\bsmishing|\bvishing",
        "phish|hame|credential|fake|imperson|imitat|spoof|alike|ask|copy|harvest|collect"
        "|verify your|locked your|suspended your|restore|unusual|confirm your"
        "|parcel|fee|reschedule|is this|almost clicked|suspicious|smishing|vishing",
        words="hameçonnage|filoutage|fausse page de connexion|zugangsdaten|gefälschte anmeldeseite|gefälschte login|suplantaci|robo de credenciales|página de inicio de sesión falsa|roubo de credenciais|página de login falsa|furto di credenziali|valse inlogpagina|фишинг|фишинговый|フィッシング|偽サイト|偽のログイン",
    ),
    _rule(
        "phishing-fraud",
        "phishing",
        r"fraud(?!\s+(?:department|team|unit|prevention))|fake (?:shop|store|invest|giveaway"
        r"|\w+ (?:alert|warning|pop-?up)|support)|\bscam|giveaway|investment (?:firm|scheme)"
        r"|advance[- ]fee|wallet drainer|tech(?:nical)? support"
        r"|pretend(?:s|ing)? to (?:be|come)|call (?:a|the) .{0,20}number|fixed returns"
        r"|fake\s++(?:[\w\-]++\s++){1,3}(?:alert|warning|pop-?up)|asked for remote access"
        r"|call (?:\w+ ){0,2}support (?:on|at)"
        r"|betrug|oplichting|estafa|truffa|arnaque|escroquerie|ceo fraud|bogus|counterfeit shop",
        "fraud|fake|scam|giveaway|investment|advance|drainer|tech support|technical support"
        "|pretend|call a|call the|fixed returns|remote access|call "
        "|betrug|oplichting|estafa|truffa|arnaque|escroquerie|bogus|counterfeit",
        words="betrüger|abzocke|fakeshop|fake-shop|escroc|faux site|fausse boutique|tienda falsa|sitio falso|sitio web falso|estafador|golpe|golpista|site falso|loja falsa|frode|truffatore|sito falso|nepwinkel|oplichter|мошенни|обман|лжемагазин|詐欺|偽通販",
    ),
    _rule(
        "masquerade-trademark",
        "masquerade",
        r"trademark|trade mark|counterfeit|brand abuse|typo-?squat|uses the \S+ mark"
        r"|\bmarque\b|markenrecht|merkinbreuk",
        "trade|counterfeit|brand|typo|mark|marque",
        words="markenverletzung|markeninhaber|unionsmarke|wortmarke|contrefaçon|droit des marques|marca registrada|uso indebido de la marca|falsificaci|marca comercial|falsifica|contraffa|marchio|namaak|merkrecht|товарный знак|товарного знака|товарным знаком|контрафакт|商標|模倣品|偽ブランド",
    ),
    _rule(
        "copyright",
        "copyright",
        r"copyright|\bdmca\b|infring|piracy|pirated|intellectual property|bittorrent|warez"
        r"|pre-?release|unreleased|not authori[sz]ed (?:its |the )?distribution"
        r"|unauthori[sz]ed (?:use|distribution|copy|copies)|offered for download"
        r"|copied (?:content|site|texts|photos|pictures)|own the rights|rights (?:owner|holder)"
        r"|urheberrecht|droit d.auteur|auteursrecht|derechos de autor",
        "copyright|dmca|infring|pira|intellectual|bittorrent|warez|release|authori|offered"
        "|copied|rights|urheber|auteur|derechos",
        words="urheberrechtsverletz|raubkopie|droits d'auteur|piratage|propiedad intelectual|piratería|direitos autorais|direito autoral|pirataria|diritto d'autore|diritti d'autore|pirateria|auteursrecht|авторских прав|авторское право|авторского права|пиратск|著作権|海賊版|無断転載|無断で公開|違法アップロード",
    ),
    _rule(
        "ddos-amplifier",
        "ddos-amplifier",
        r"open (?:dns )?resolvers?|amplification|reflect(?:ion|or)|monlist"
        r"|exploitable (?:ntp|dns|snmp|ssdp|memcached)|open (?:ntp|memcached|ssdp|chargen)",
        "resolver|amplification|reflect|monlist|exploitable|open ntp|open memcached|open ssdp"
        "|open chargen",
        words="verstärkungsangriff|reflexion|réflexion|reflexión|reflexão|offene memcached|offener dns|offene dns|offene resolver|offener resolver|amplificación|amplificação|amplificazione|усилени|増幅|リフレクション攻撃|オープンリゾルバ",
    ),
    _rule(
        "ddos",
        "ddos",
        r"\bddos\b|denial[- ]of[- ]service|\bsyn flood|udp flood|http (?:get )?flood"
        r"|\bflood(?:ing|ed)?\b|distributed attack|knocked (?:\w+ )?offline|took part in an attack"
        r"|stresser|booter|attack traffic|requests per second|\bdos attack",
        "ddos|denial|flood|distributed|knocked|took part|stresser|booter|attack traffic"
        "|requests per second|dos attack",
        words="überlastungsangriff|dienstblockade|déni de service|denegación de servicio|negação de serviço|negazione del servizio|отказ в обслуживании|ддос|サービス拒否|dos攻撃",
    ),
    _rule(
        "brute-force",
        "brute-force",
        r"brute[- ]?force|bruteforc|credential stuffing|password spray|login attempts?"
        r"|failed (?:login|password|auth)|authentication fail|password guess|dictionary attack"
        r"|\bssh\b.{0,40}attempt|wp-login|xmlrpc|sasl login|account takeover|guess(?:es|ing)? "
        r"(?:\w+ )?passwords?|password guesses|anmeldeversuch|attempted (?:[\w/]+ ){0,2}logins?"
        r"|logins? against",
        "brute|credential stuffing|password|login attempt|failed|authentication|dictionary"
        "|ssh|wp-login|xmlrpc|sasl|takeover|guess|anmeldeversuch|attempted|login attempt"
        "|login against|logins against",
        words="passwortversuch|force brute|tentatives de connexion|fuerza bruta|intentos de acceso|intentos de inicio de sesión|força bruta|tentativas de login|tentativas de acesso|forza bruta|tentativi di accesso|inlogpogingen|подбор парол|перебор парол|брутфорс|ブルートフォース|総当たり|不正ログイン",
    ),
    _rule(
        "exploit",
        "exploit",
        r"sql injection|\bsqli\b|\bxss\b|cross-site scripting|path traversal|remote file inclusion"
        r"|remote code execution|exploit(?:ation)? attempt|web (?:application )?attack"
        r"|union\+?\s?select|etc/passwd|web application firewall",
        "sql|sqli|xss|cross-site|traversal|remote file|remote code|exploit|web attack"
        "|web application|union|passwd",
        words="sql-injection|injection sql|injection de code|inyección sql|inyección de código|injeção de sql|sql-инъекц|sqlインジェクション|クロスサイトスクリプティング",
    ),
    _rule(
        "scanner",
        "scanner",
        r"port ?scan|\bscann(?:ing|er|ed)\b|\bprob(?:e|es|ed|ing)\b|reconnaissance|\brecon\b"
        r"|swept|sweep|masscan|\bnmap\b|\bzmap\b",
        "scan|prob|recon|swept|sweep|nmap|zmap",
        words="portscan|balayage de ports|scan de ports|escaneo|escaneamento|varredura|scansione|poortscan|сканирован|スキャン",
    ),
    _rule(
        "malware-distribution",
        "malware-distribution",
        r"malware|trojan|ransomware|drive-by|exploit kit|dropper|second stage|\bpayload\b"
        r"|\bloader\b|stealer|\bvirus(?!\s+(?:alert|warning))|malicious (?:file|download|code"
        r"|executable|attachment|script|document|binary)|schadsoftware|logiciel malveillant"
        r"|malicieux|serves? (?:an? )?(?:information )?stealer"
        r"|downloads? (?:an? )?(?:\w+ )?(?:zip|archive|file|executable|script|exe)\b",
        "malware|trojan|ransomware|drive-by|exploit kit|dropper|second stage|payload|loader"
        "|stealer|virus|malicious|schadsoftware|malveillant|malicieux|download",
        words="schadcode|maliciel|software malicioso|programa malicioso|código malicioso|software dannoso|codice malevolo|kwaadaardige software|вредонос|троян|マルウェア|ウイルス|ランサムウェア",
    ),
    _rule(
        "system-compromise",
        "system-compromise",
        r"compromised (?:web)?site|defac|hacked|web ?shell|intrud|intrusion|rootkit|backdoor"
        r"|compromised (?:server|host|account|wordpress|cms)|(?:has|have) been compromised"
        r"|injected (?:spam|links|code|files|pages|scripts?)|spam pages|pharma hack",
        "compromised|defac|hacked|web shell|webshell|intrud|intrusion|rootkit|backdoor|injected"
        "|spam pages"
        "|pharma",
        words="gehackt|kompromittiert|piraté|hackead|invadid|sito violato|взлом|дефейс|改ざん|不正アクセス",
    ),
    _rule(
        "spam-bot",
        "spam",
        r"spam ?bots?|forum spam|comment spam|guestbook spam|posts? (?:spam )?links",
        "spam bot|spambot|forum spam|comment spam|guestbook spam|posts links|post links"
        "|posts spam|post spam",
        weight=1.5,
    ),
    _rule(
        "infected-system",
        "infected-system",
        r"botnet|\binfected\b|\bdrones?\b|\bbots?\b|sinkhole|mirai|emotet|qakbot|andromeda",
        "botnet|infected|drone|bot|sinkhole|mirai|emotet|qakbot|andromeda",
        words="infiziert|infecté|infectad|infett|geïnfecteerd|заражен|ботнет|感染|ボットネット",
    ),
    _rule(
        "vulnerable-accessible",
        "potentially-unwanted-accessible",
        r"open (?:socks|http|proxy|proxies|smb|rdp|telnet|vnc|database)|proxies open"
        r"|exposed (?:\w+ )?(?:database|elasticsearch|mongodb|redis|service|instance|bucket)"
        r"|without (?:any )?authentication|publicly (?:accessible|readable)|elasticsearch|mongodb",
        "open socks|open http|open proxy|open proxies|open smb|open rdp|open telnet|open vnc"
        "|open database|proxies open|exposed|without authentication|without any authentication"
        "|publicly|elasticsearch|mongodb",
        words="öffentlich erreichbar|ohne authentifizierung|ohne passwort|accessible publiquement|sans authentification|accesible públicamente|sin autenticación|publicamente acessível|sem autenticação|senza autenticazione|открытом доступе|без аутентификации|без пароля|認証なし|公開状態",
    ),
    _rule(
        "vulnerable-system",
        "vulnerable-system",
        r"vulnerab|unpatched|\bcve-\d|outdated (?:version|software)|misconfigur",
        "vulnerab|unpatched|cve-|outdated|misconfigur",
        words="verwundbar|schwachstelle|vulnérab|vulnerável|уязвим|脆弱性",
    ),
    _rule(
        "spam",
        "spam",
        r"\bspam(?!haus)|unsolicited|\bu[bc]e\b|bulk (?:e-?)?mail|junk mail|spamtrap|snowshoe"
        r"|feedback loop|\bfbl\b|trap hits|e-?mail abuse report|abuse report for an e-?mail",
        "spam|unsolicited|uce|ube|bulk|junk|snowshoe|feedback|fbl|trap|abuse report",
        weight=0.6,
        words="unerwünschte werbung|unerwünschte e-mail|unerwünschte mail|pourriel|non sollicité|correo no deseado|correo basura|correos no deseados|no solicitado|não solicitad|lixo eletrônico|posta indesiderata|ongevraagde|спам|рассылк|迷惑メール|スパム",
    ),
    _rule(
        "blacklist",
        "blacklist",
        r"block ?list|black ?list|\bsbl\b|\bdnsbl\b|\blisted\b",
        "block|black|sbl|dnsbl|listed",
        weight=0.5,
        words="sperrliste|schwarze liste|liste noire|lista negra|lista nera|zwarte lijst|черный список|чёрный список|черном списке|ブラックリスト",
    ),
)
RULES: tuple[Rule, ...] = tuple(rule for group in _RULE_GROUPS for rule in group)


@dataclass(frozen=True)
class Verdict:
    type: str
    rule: str  # "<where>:<rule name>", where is label, subject, body or sender


# Every trigger word once, found in one pass over the text (``wording.words``), not one
# pass per word or per rule.
_TRIGGER_WORDS = words({word for rule in RULES for word in rule.triggers})


def _scores(text: str, weight: float, totals: dict[str, float], firsts: dict) -> None:
    lowered = text.lower()
    triggered = present(_TRIGGER_WORDS, lowered)
    if not triggered:
        return
    for index, rule in enumerate(RULES):
        if triggered.isdisjoint(rule.triggers):
            continue
        hits = len(rule.pattern.findall(lowered))
        if hits:
            totals[rule.type] = totals.get(rule.type, 0.0) + hits * weight * rule.weight
            firsts.setdefault(rule.type, (index, rule.name))


def classify(
    *,
    subject: str = "",
    body: str = "",
    labels: list[str] | None = None,
    default: str | None = None,
) -> Verdict | None:
    """The type the reporter's labels, subject and body point at, and the rule that
    decided; ``default`` (a known sender's usual kind) when nothing matches."""
    totals: dict[str, float] = {}
    where: dict[str, str] = {}
    names: dict[str, tuple[int, str]] = {}
    for source, text, weight in (
        ("label", " \n ".join(labels or ())[:4000], LABEL_WEIGHT),
        ("subject", subject[:1000], SUBJECT_WEIGHT),
        ("body", body[:MAX_TEXT], 1),
    ):
        if not text:
            continue
        before = dict(totals)
        _scores(text, weight, totals, names)
        for type_, total in totals.items():
            if total != before.get(type_):
                where.setdefault(type_, source)  # the strongest source that spoke of it
    if not totals:
        return Verdict(default, "sender:default") if default else None
    order = {rule.type: index for index, rule in reversed(list(enumerate(RULES)))}
    best = max(totals, key=lambda t: (totals[t], -order[t]))
    return Verdict(best, f"{where.get(best, 'body')}:{names[best][1]}")


def undetermined_typed(events: list[ParsedEvent], *, subject: str, body: str) -> list[ParsedEvent]:
    """A file of rows attached to a complaint (a feed extract, a CERT's CSV) may leave the
    kind of some rows open ("undetermined"); those take the kind the complaint's subject
    and text give, with the rule that decided. Rows with a kind keep it."""
    if not any(e.type == "undetermined" for e in events):
        return events
    verdict = classify(subject=subject, body=body)
    if verdict is None:
        return events
    return [
        dataclasses.replace(e, type=verdict.type, rule=verdict.rule)
        if e.type == "undetermined"
        else e
        for e in events
    ]
