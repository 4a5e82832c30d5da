from ._mail_fixtures import parse, values


def test_subject_names_the_source_and_reporter_ip_is_never_reported():
    result = parse("jmrp/hotmail_forward.eml")
    assert result.format == "jmrp"
    assert values(result, "ip") == {"203.0.113.9"}
    assert {e.type for e in result.events} == {"spam"}


def test_without_subject_ip_the_originating_ip_is_used():
    result = parse("jmrp/no_subject_ip.eml")
    assert values(result, "ip") == {"203.0.113.9"}
    assert "198.51.100.99" not in values(result, "ip")
