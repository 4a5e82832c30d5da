"""The kind of abuse comes from the sender's label, then the subject, then the body, and
the rule that decided is carried on every event (issue 13, item 5)."""

from complaints.parsers import classify
from complaints.parsers.base import ParsedEvent
from complaints.parsers.registry import parse as parse_raw


def test_the_senders_label_outweighs_the_subject_and_the_body():
    verdict = classify.classify(
        subject="Spam run", body="spam spam spam", labels=["Phishing"], default=None
    )
    assert verdict == classify.Verdict("phishing", "label:phishing-credential-page")


def test_wording_maps_to_the_rsit_vocabulary():
    cases = {
        "credential stuffing and password spraying against IMAP": "brute-force",
        "a Cobalt Strike team server": "c2-server",
        "swept our range for Modbus using masscan": "scanner",
        "open SOCKS proxies, no authentication": "potentially-unwanted-accessible",
        "pre-release leak of the game offered for download": "copyright",
        "threats of violence and my home address": "harmful-speech",
        "UNION SELECT and ../../etc/passwd requests": "exploit",
        "the dropper fetches its second stage": "malware-distribution",
        "knocked offline by a distributed attack": "ddos",
    }
    for text, expected in cases.items():
        verdict = classify.classify(body=text)
        assert verdict is not None and verdict.type == expected, text


def test_the_rule_that_fired_is_on_each_event():
    raw = (
        b"From: Admin <admin@mail.example.eu>\r\nTo: abuse@desk.example\r\n"
        b"Subject: Credential stuffing from 203.0.113.225\r\n\r\n"
        b"203.0.113.225 tried 120,000 leaked passwords. Please act on this host.\r\n"
    )
    result = parse_raw(raw)
    assert [(e.ip, e.type, e.rule) for e in result.events] == [
        ("203.0.113.225", "brute-force", "subject:brute-force")
    ]


def test_the_kind_is_read_in_the_languages_the_desk_receives():
    """German, French, Spanish, Portuguese, Italian, Dutch, Russian and Japanese words for
    each kind map to the same RSIT types as the English ones."""
    cases = {
        "Wir haben Portscans von Ihrer Adresse registriert": "scanner",
        "Сканирование портов с вашего адреса": "scanner",  # noqa: RUF001
        "Balayage de ports depuis votre réseau": "scanner",
        "Fui vítima de golpe numa loja falsa": "phishing",
        "Мошенники принимают предоплату на сайте": "phishing",
        "Acoso y amenazas contra mi familia en un foro": "harmful-speech",
        "Harcèlement et diffamation sur un forum": "harmful-speech",
        "Die Seite verletzt unsere Unionsmarke (Markenverletzung)": "masquerade",
        "Нарушение прав на товарный знак": "masquerade",
        "著作権侵害コンテンツの削除依頼": "copyright",
        "Violação de direitos autorais: episódios completos": "copyright",
        "Hemos recibido correo no deseado desde su red": "spam",
        "迷惑メールが大量に届いています": "spam",
        "Подбор паролей к SSH с вашего адреса": "brute-force",  # noqa: RUF001
        "Tentatives de connexion par force brute sur notre serveur": "brute-force",
        "Ihr Server ist mit Schadsoftware infiziert und verteilt Schadcode": "malware-distribution",
        "La página fue hackeada y muestra otro contenido": "system-compromise",
        "Der Host ist Teil eines Botnetzes und infiziert": "infected-system",
        "Ataque de denegación de servicio contra nuestro sitio": "ddos",
        "Elasticsearch-Instanz ohne Authentifizierung öffentlich erreichbar": (
            "potentially-unwanted-accessible"
        ),
        "Уязвимость в устаревшей версии ПО": "vulnerable-system",
        "フィッシングサイトが公開されています": "phishing",
    }
    for text, expected in cases.items():
        verdict = classify.classify(body=text)
        assert verdict is not None and verdict.type == expected, text


def test_lures_and_scams_in_the_words_people_use():
    cases = {
        "The link goes to a fake\nMicrosoft 365 login page.": "phishing",
        "Is this real? A customs fee is outstanding, reschedule delivery here.": "phishing",
        "A fake Microsoft virus warning told her to call Microsoft Support on 0800": "phishing",
        "This is an email abuse report for an email message received from 192.0.2.1": "spam",
        "Offene Memcached-Server werden für DDoS-Reflexionsangriffe missbraucht": "ddos-amplifier",
    }
    for text, expected in cases.items():
        verdict = classify.classify(body=text)
        assert verdict is not None and verdict.type == expected, text


def test_rows_left_undetermined_take_the_complaints_kind():
    rows = [
        ParsedEvent(type="undetermined", ip="192.0.2.1"),
        ParsedEvent(type="spam", ip="192.0.2.2"),
    ]
    typed = classify.undetermined_typed(rows, subject="Infected systems (sinkhole data)", body="")
    assert [(e.type, e.rule) for e in typed] == [
        ("infected-system", "subject:infected-system"),
        ("spam", ""),
    ]
