from ._mail_fixtures import parse, values


def test_source_report_names_the_sending_ip_only():
    result = parse("spamcop/source.eml")
    assert result.format == "spamcop"
    assert values(result, "ip") == {"192.0.2.45"}
    assert {e.type for e in result.events} == {"spam"}
    assert result.data["spamcop_id"] == "7000000002"


def test_spamvertised_site_is_a_url_event():
    result = parse("spamcop/spamvertised.eml")
    assert values(result, "url") == {"http://pills.example.net/buy"}
    assert values(result, "domain") == {"pills.example.net"}
    assert "198.51.100.8" not in values(result, "ip")
