"""The evaluation's matching rules (tests/evaluation/README.md) do what they say, on
outcomes built by hand: a measuring stick that is wrong would send the extraction work the
wrong way."""

from __future__ import annotations

import pytest

from complaints.intake.filing.attribution import url_host as attribution_url_host
from tests.evaluation.expectations import E, N
from tests.evaluation.scoring import Event, Outcome, figures, judge, pipeline_url_host


def _outcome(*events: Event, complaint: bool = True) -> Outcome:
    return Outcome(format="freetext", kind="complaint", is_complaint=complaint, events=list(events))


def test_an_expected_url_is_found_only_by_the_same_url_normalised():
    expect = E(urls="https://Phish.example.com:443/login/", types="phishing")
    same = judge(
        "m",
        "fixtures",
        expect,
        _outcome(Event(None, None, "https://phish.example.com/login", "phishing")),
    )
    host_only = judge(
        "m", "fixtures", expect, _outcome(Event(None, "phish.example.com", None, "phishing"))
    )
    assert same.missing == []
    assert host_only.missing == ["url https://phish.example.com/login"]


def test_a_reported_url_on_an_expected_host_or_address_is_right():
    expect = E(hosts="bad.example.net", ips="192.0.2.5")
    judged = judge(
        "m",
        "fixtures",
        expect,
        _outcome(
            Event(None, "bad.example.net", "http://bad.example.net/other/page", "spam"),
            Event("192.0.2.5", None, "http://192.0.2.5/x", "spam"),
        ),
    )
    assert judged.missing == []
    assert judged.wrong == []
    assert judged.reported == 2  # a URL's host is that URL's, not a resource of its own


def test_an_address_that_is_an_expected_urls_host_is_right():
    expect = E(urls="http://203.0.113.9/kit/")
    judged = judge("m", "fixtures", expect, _outcome(Event("203.0.113.9", None, None, "phishing")))
    assert judged.wrong == []
    assert judged.missing == ["url http://203.0.113.9/kit"]


def test_a_lookup_link_naming_the_address_is_wrong_and_named_as_leaked():
    expect = E(ips="198.51.100.36", never="rdap.db.ripe.net")
    judged = judge(
        "m",
        "fixtures",
        expect,
        _outcome(
            Event("198.51.100.36", None, None, "spam"),
            Event(None, "rdap.db.ripe.net", "https://rdap.db.ripe.net/ip/198.51.100.36", "spam"),
        ),
    )
    assert judged.right == ["198.51.100.36"]
    assert judged.wrong == ["https://rdap.db.ripe.net/ip/198.51.100.36"]
    assert judged.leaked == judged.wrong


def test_www_and_case_do_not_make_a_host_different_and_tolerated_values_are_not_wrong():
    expect = E(hosts="www.Shop.example.com", also_ok="mx.shop-mailer.example.com")
    judged = judge(
        "m",
        "fixtures",
        expect,
        _outcome(
            Event(None, "shop.example.com", None, "spam"),
            Event(None, "mx.shop-mailer.example.com", None, "spam"),
        ),
    )
    assert (judged.missing, judged.wrong) == ([], [])


def test_the_predicted_kind_is_the_commonest_event_type():
    expect = E(ips="192.0.2.1 192.0.2.2 192.0.2.3", types="scanner")
    judged = judge(
        "m",
        "fixtures",
        expect,
        _outcome(
            Event("192.0.2.1", None, None, "spam"),
            Event("192.0.2.2", None, None, "scanner"),
            Event("192.0.2.3", None, None, "scanner"),
        ),
    )
    assert judged.predicted_type == "scanner"
    assert judged.type_right


def test_figures_count_each_message_once_where_it_belongs():
    found = judge(
        "a",
        "fixtures",
        E(ips="192.0.2.1", types="spam"),
        _outcome(Event("192.0.2.1", None, None, "spam")),
    )
    missed = judge("b", "fixtures", E(ips="192.0.2.2", types="spam"), _outcome(complaint=True))
    noisy = judge(
        "c",
        "fixtures",
        E(ips="192.0.2.3", types="phishing"),
        _outcome(Event("192.0.2.3", None, None, "spam"), Event("192.0.2.99", None, None, "spam")),
    )
    quiet_ack = judge("d", "fixtures", N(), _outcome(complaint=False))
    noisy_ack = judge(
        "e", "fixtures", N(), _outcome(Event("192.0.2.4", None, None, "spam"), complaint=False)
    )
    result = figures([found, missed, noisy, quiet_ack, noisy_ack])
    assert result["recall_complete"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["precision"] == pytest.approx(2 / 3, abs=1e-4)  # 1 + 1 right of 1 + 2
    assert result["clean_share"] == 0.5
    assert result["classification"] == 0.5  # "b" has no event: left out
    assert result["classification_all"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["non_complaints_no_events"] == 0.5


@pytest.mark.parametrize(
    "url",
    [
        "http://Example.COM/a",
        "https://[2001:db8::1]:8443/x",
        "http://192.0.2.7:8080/",
        "hxxp://broken",
        "http://xn--bcher-kva.example/",
        "not a url",
    ],
)
def test_the_scorers_copy_of_the_pipelines_url_host_agrees_with_it(url):
    assert pipeline_url_host(url) == attribution_url_host(url)
