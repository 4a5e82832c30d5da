"""Links that are not the abuse: wrappers unwrapped to their target, lookup, archive and
brand sites never reported, and bare names believed only under a real TLD (issue 13,
items 1 and 2)."""

from complaints.parsers import indicators, sites

from ._mail_fixtures import parse, values


def test_a_wrapped_link_is_reported_as_its_target_and_lookups_about_it_are_not():
    result = parse("freetext/wrapped_links_and_lookups.eml")
    assert values(result, "url") == {"https://secure-bank-login.example.net/kit/index.php"}
    assert {e.type for e in result.events} == {"phishing"}
    assert all(e.rule for e in result.events)


def test_link_protection_wrappers_unwrap_to_their_target():
    target = "https://files.example.com/a/b.zip?x=1"
    assert sites.unwrap(f"https://urldefense.com/v3/__{target}__;!!abc!def$") == target
    assert (
        sites.unwrap(
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__files.example.com_a_b.zip-3Fx-3D1&d=x"
        )
        == target
    )
    assert (
        sites.unwrap(
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Ffiles.example.com"
            "%2Fa%2Fb.zip%3Fx%3D1&data=05%7C01"
        )
        == target
    )
    assert sites.unwrap("https://example.org/?url=https://x.example.com/") == (
        "https://example.org/?url=https://x.example.com/"
    )


def test_bare_names_need_a_real_top_level_domain():
    found = {
        i.value
        for i in indicators.extract(
            "Sites: fake-shop.lol, drainer.sbs and claim.test; files index.php, notes.md, "
            "photos.zip, jquery.min.js; masked 91.78.17.xxx"
        )
    }
    assert found == {"fake-shop.lol", "drainer.sbs", "claim.test"}


def test_reference_sites_are_never_reported():
    for host in ("www.virustotal.com", "rdap.db.ripe.net", "web.archive.org", "www.paypal.com",
                 "login.microsoftonline.com", "twitter.com", "whois.example-registry.net"):  # fmt: skip
        assert sites.is_reference_host(host), host
    assert not sites.is_reference_host("paypal-billing-center.example.net")


def _prose(subject: str, body: str) -> set[str]:
    from complaints.parsers.registry import parse as parse_raw

    raw = (
        "From: Brand Protection <notices@brandguard.example.eu>\r\nTo: abuse@desk.example\r\n"
        f"Subject: {subject}\r\nDate: Mon, 02 Sep 2024 10:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()
    return {v for e in parse_raw(raw).events for v in (e.url, e.ip, e.domain) if v}


ABUSE = "https://shoes-outlet.example.net/p/42"


def test_the_genuine_site_a_notice_quotes_is_not_reported_in_any_language():
    for body in (
        f"Counterfeit shoes are sold at {ABUSE}.\r\nOur client sells exclusively through "
        "https://www.zapatos-real.example.es and its shops.\r\n",
        f"Se venden productos falsificados en {ABUSE}.\r\nLa única tienda oficial de la marca "
        "es https://www.zapatos-real.example.es.\r\n",
        f"Des chaussures contrefaites sont vendues sur {ABUSE}. Le site\r\nofficiel est "
        "https://www.zapatos-real.example.es.\r\n",
        f"Gefälschte Schuhe werden unter {ABUSE} angeboten. Die Originalprodukte gibt es\r\n"
        "ausschließlich über\r\nhttps://www.zapatos-real.example.es und im Handel.\r\n",
        f"The page {ABUSE} imitates our client's shop (legitimate site:\r\n"
        "https://www.zapatos-real.example.es) and takes payments.\r\n",
        f"偽サイト:{ABUSE}\r\n\r\n■正規サイト\r\nhttps://www.zapatos-real.example.es/\r\n",
    ):
        found = _prose("Counterfeit shop", body)
        assert ABUSE in found, body
        assert not {v for v in found if "zapatos-real" in v}, body


def test_registries_and_reporting_portals_are_not_reported():
    found = _prose(
        "Fraud site",
        f"Investment fraud at {ABUSE}. I also reported it to https://reportfraud.ftc.gov and "
        "the mark is registered: https://tsdr.uspto.gov/#caseNumber=1 and "
        "https://data.inpi.fr/marques/FR0000000\r\n",
    )
    assert found == {ABUSE, "shoes-outlet.example.net"} or found == {ABUSE}


def test_a_signature_after_a_sign_off_in_another_language_is_not_reported():
    for sign_off in ("Un saludo,", "Atenciosamente,", "С уважением,", "Viele Grüße"):  # noqa: RUF001
        found = _prose(
            "Phishing",
            f"Please remove {ABUSE}.\r\n\r\n{sign_off}\r\nJavier\r\n"
            "Mastodon: https://social.researcher.example.es/@javier\r\n",
        )
        assert not {v for v in found if "researcher" in v}, sign_off


REFERENCE_SAMPLES = (
    "Further reading: https://x\nsee also\nReferences :\nvisit our site\nlearn more, read more\n"
    "Web: x\nwebsite : y\nhomepage: z\nopt-out, opt out, unsubscribe, contact us, belongs to\n"
    "legitimate site, official site, official website, official release, genuine site\n"
    "real website, authentic site, sells exclusively through, exclusively via https://x\n"
    "our client's website, privacy policy, terms of use, terms of service, wikipedia\n"
    "site officiel, tienda oficial, официальный сайт, 正規サイト, ausschließlich über\n"
)


def test_every_reference_cue_holds_one_of_the_words_that_let_a_line_be_skipped():
    """``_REFERENCE_WORDS`` decides which lines are searched for a reference cue at all:
    each match of the cue pattern must contain one of them."""
    hints = set(indicators._REFERENCE_WORDS.inside)
    matches = [m.group() for m in indicators._REFERENCE_LINE.finditer(REFERENCE_SAMPLES.lower())]
    assert len(matches) >= 30
    assert [m for m in matches if not any(h in m for h in hints)] == []
