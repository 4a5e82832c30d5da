from ._mail_fixtures import parse


def test_out_of_office_is_filed_without_events():
    result = parse("autoreply/out_of_office.eml")
    assert (result.format, result.kind, result.is_complaint) == ("autoreply", "auto-reply", False)
    assert result.events == []


def test_bounce_keeps_delivery_details():
    result = parse("autoreply/bounce.eml")
    assert (result.kind, result.is_complaint, result.events) == ("bounce", False, [])
    assert result.data["recipients"] == ["customer@example.net"]
    assert result.data["status"] == ["5.1.1"]
    assert result.data["original_message_id"] == "<notice-124@example.com>"


def test_arf_report_with_auto_submitted_is_not_an_auto_reply():
    from complaints.parsers import registry

    from ._mail_fixtures import raw

    patched = raw("arf/source_ip.eml").replace(
        b"Subject: Abuse report", b"Subject: Abuse report\nAuto-Submitted: auto-replied"
    )
    assert registry.parse(patched).format == "arf"
