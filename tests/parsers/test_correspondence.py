"""Mail that answers, acknowledges or closes is filed as correspondence without events,
and a complaint marked as an automatic reply is still a complaint (issue 13, items 3
and 4)."""

from complaints.parsers.registry import parse as parse_raw

from ._mail_fixtures import parse


def test_an_auto_replied_acknowledgement_quoting_our_report_has_no_events():
    result = parse("freetext/ack_and_autoreplied_complaint.eml")
    assert not result.is_complaint
    assert result.events == []


def _mail(subject: str, body: str, extra: str = "") -> bytes:
    return (
        f"From: Other Desk <abuse@other-desk.example.nl>\r\nTo: abuse@desk.example\r\n"
        f"Subject: {subject}\r\nDate: Thu, 05 Sep 2024 10:00:00 +0000\r\n{extra}\r\n{body}"
    ).encode()


def test_replies_that_are_not_complaints_are_correspondence():
    for subject, body in (
        ("Re: Scanning from 198.51.100.140", "Thank you for your report. We have opened an "
         "internal case and forwarded 198.51.100.140 to the team.\r\n"),
        ("Re: Spam from 192.0.2.150", "192.0.2.150 is not part of our network; please contact "
         "the abuse address of its holder.\r\n"),
        ("Your report", "We could not process your report about 198.51.100.33: it does not "
         "contain enough information.\r\n"),
        ("Re: [BG-1] phishing", "Thank you for your quick action, hxxps://x[.]example[.]net "
         "no longer resolves. We have closed the case.\r\n"),
    ):  # fmt: skip
        result = parse_raw(_mail(subject, body))
        assert (result.is_complaint, result.events) == (False, []), subject
        assert result.data["correspondence"]


def test_a_ticket_systems_complaint_marked_auto_replied_is_a_complaint():
    body = (
        "A ticket was created automatically for this notification.\r\n\r\n"
        "URL: https://metro-refund.example.com/card.php\r\nIP:  198.51.100.123\r\n\r\n"
        "Please remove the content.\r\n"
    )
    result = parse_raw(_mail("[csirt #5] Phishing site", body, "Auto-Submitted: auto-replied\r\n"))
    assert result.is_complaint
    assert {e.ip for e in result.events} >= {"198.51.100.123"}
    assert {e.type for e in result.events} == {"phishing"}


def test_a_short_answer_that_names_no_abuse_is_correspondence():
    """A CDN's one line on where a name resolves, a registrar's "hosted at": answers (by
    their subject), a few lines long, naming no kind of abuse."""
    for subject, body in (
        ("Cloudflare response", "The domain www.cdn-fronted.example.net currently resolves "
         "to 203.0.113.58\r\n"),
        ("AW: [NH-20931] lucky-coupons.example.org", "lucky-coupons.example.org is registered "
         "with us but hosted at 198.51.100.77.\r\n"),
        ("Re: your message", "192.0.2.80\r\n"),
    ):  # fmt: skip
        result = parse_raw(_mail(subject, body))
        assert (result.is_complaint, result.events) == (False, []), subject
        assert result.data["correspondence"] == "short-answer"


def test_a_short_message_that_names_the_abuse_or_asks_or_is_no_answer_is_a_complaint():
    for subject, body in (
        # names the abuse (in its subject or its words)
        ("Re: Phishing page imitating our bank", "Still online: hxxps://bank-verify.example.com/"),
        ("Re: your message", "The phishing page at https://bank-verify.example.com/ is back."),
        # asks for action
        ("Re: your message", "Please take down https://bank-verify.example.com/ again."),
        # no answer: a new message of one line
        ("Abuse", "https://bank-verify.example.com/ resolves to 192.0.2.80"),
        # an answer, but longer than a few lines of prose
        ("Re: your message", "https://bank-verify.example.com/ resolves to 192.0.2.80. " * 8),
    ):  # fmt: skip
        result = parse_raw(_mail(subject, body))
        assert result.is_complaint and result.events, (subject, body)


def test_answers_in_the_languages_the_desk_receives_are_correspondence():
    """Acknowledgements, vacation notices, "resolved" and customers' answers in German,
    French, Spanish, Portuguese, Russian and Japanese, and a thank-you for a warning."""
    for subject, body in (
        ("[Ticket#88] Eingangsbestätigung", "Vielen Dank für Ihre Meldung. Sie wurde unter der "
         "Ticketnummer 88 erfasst.\r\n> Phishing auf 192.0.2.150\r\n"),
        ("Accusé de réception", "Nous avons bien reçu votre signalement concernant "
         "198.51.100.9.\r\n"),
        ("Re: spam desde 203.0.113.5", "Hemos recibido su mensaje sobre 203.0.113.5 y lo "
         "estamos revisando.\r\n"),
        ("Ваше обращение зарегистрировано", "Ваше обращение зарегистрировано под номером 77 "
         "(203.0.113.7).\r\n"),
        ("夏季休業のお知らせ", "8月18日まで夏季休業とさせていただきます。203.0.113.44\r\n"),
        ("Abwesenheitsnotiz", "Ich bin nicht im Büro. Ihre Nachricht zu 198.51.100.2 lese "
         "ich nach meiner Rückkehr.\r\n"),
        ("[CERT #9] Resolvido: phishing", "O site hxxps://banco-x[.]example[.]com "
         "(198.51.100.119) não está mais acessível. O incidente foi encerrado.\r\n"),
        ("Re: Phishing on your site", "Thank you for the warning. We found the fake login page "
         "(https://shop.example.com/wp-content/uploads/x/index.php) and deleted it.\r\n"),
    ):  # fmt: skip
        result = parse_raw(_mail(subject, body))
        assert (result.is_complaint, result.events) == (False, []), subject


def test_a_request_in_another_language_keeps_a_complaint_a_complaint():
    """Words of an answer ("wurde entfernt", "hemos recibido su mensaje") do not make a
    complaint correspondence when it asks for action, in its own language."""
    for subject, body in (
        ("Phishing", "Die Seite wurde entfernt und ist wieder online: "
         "https://bank-x.example.com/login. Wir bitten Sie, die Seite zu löschen.\r\n"),
        ("Spam", "Hemos recibido su mensaje no solicitado desde 203.0.113.9. Les rogamos que "
         "tomen las medidas oportunas.\r\n"),
        ("Мошенничество", "Ваше обращение зарегистрировано? Сайт https://shop-x.example.com "
         "обманывает покупателей. Просим удалить сайт.\r\n"),
        ("著作権侵害", "https://manga-x.example.org/ch/1 を削除していただきますようお願いいたします。"
         "受付番号は不要です。\r\n"),
    ):  # fmt: skip
        result = parse_raw(_mail(subject, body))
        assert result.is_complaint and result.events, subject


def test_a_reputation_services_alert_with_list_headers_is_a_complaint():
    """List-Unsubscribe makes a newsletter, unless the mail speaks to the abuse contact
    about an address in its network."""
    body = (
        "The IP address 198.51.100.219, in a network you are the abuse contact for, was "
        "reported 37 times in 24 hours:\r\n2024-11-08 22:51:10  SSH brute force from "
        "198.51.100.219\r\n"
    )
    extra = "List-Unsubscribe: <https://alerts.example.io/unsubscribe>\r\n"
    result = parse_raw(_mail("37 reports for 198.51.100.219 in your network", body, extra))
    assert result.is_complaint and {e.ip for e in result.events} == {"198.51.100.219"}
    newsletter = parse_raw(
        _mail("Threat digest", "This week's phishing IOCs: 203.0.113.171\r\n", extra)
    )
    assert (newsletter.is_complaint, newsletter.events) == (False, [])
