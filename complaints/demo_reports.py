"""Realistic complaints for the demo desk and the intake benchmark.

Generators of the formats the world sends — ARF feedback loops, free-text complaints with log
lines, SpamCop, X-ARF (blocklist.de style) and Shadowserver reports — about addresses taken
from given networks. Deterministic for a given random generator, and only reserved names
(``.example``) appear, so nothing real is ever named. ``seed_demo`` files a stream of them,
and the scenario tickets' complaints (``complaint_mail``), through the real intake;
``bench/ingest.py`` generates its Maildir with them.
"""

from __future__ import annotations

import io
import ipaddress
import random
import zipfile
from base64 import encodebytes
from datetime import datetime, timedelta

WORDS = [  # the filler of complaint bodies
    "server",
    "hosting",
    "customer",
    "attack",
    "traffic",
    "login",
    "password",
    "blocked",
    "firewall",
    "report",
    "abuse",
    "please",
    "stop",
    "immediately",
    "urgent",
    "network",
    "logs",
    "attached",
    "evidence",
    "website",
    "compromised",
]


def ip_from(rng: random.Random, networks: list[str]) -> str:
    network = ipaddress.ip_network(rng.choice(networks))
    if network.version == 6:
        return str(network.network_address + rng.randrange(1, 2**16))
    return str(network.network_address + rng.randrange(network.num_addresses))


def stamp(at: datetime) -> str:
    return at.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _b64ish(rng: random.Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(length))


def _dkim(rng: random.Random, domain: str) -> str:
    """A DKIM-Signature header as mail carries it (folded, ~600 bytes)."""
    sig = _b64ish(rng, 344)
    folded = "\n\t ".join(sig[i : i + 70] for i in range(0, len(sig), 70))
    return (
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s2024; t=1717000000;\n"
        "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
        f"\tbh={_b64ish(rng, 44)};\n\tb={folded}\n"
    )


def _transport(rng: random.Random, sender: str, relay_ip: str, at: datetime) -> str:
    """The headers a complaint carries when it reaches the desk's mailbox: the path through
    the sender's relays and our MX, and our MX's authentication results."""
    domain = sender.rsplit("@", 1)[1]
    hop = stamp(at + timedelta(seconds=2))
    return (
        f"Return-Path: <{sender}>\nDelivered-To: abuse@desk.example\n"
        f"Received: from mx1.desk.example (localhost [127.0.0.1])\n\tby store.desk.example (Dovecot) with LMTP id "
        f"{_b64ish(rng, 16)}\n\tfor <abuse@desk.example>; {hop}\n"
        f"Received: from out.{domain} (out.{domain} [{relay_ip}])\n\tby mx1.desk.example (Postfix) with ESMTPS id "
        f"{_b64ish(rng, 10)}\n\tfor <abuse@desk.example>; {hop}\n"
        f"Received: from app.internal.{domain} (app.internal.{domain} [10.1.{rng.randrange(255)}.{rng.randrange(255)}])\n"
        f"\tby out.{domain} (Postfix) with ESMTP; {stamp(at)}\n"
        f"Authentication-Results: mx.desk.example; dkim=pass header.d={domain}; spf=pass smtp.mailfrom={domain};\n"
        f"\tdmarc=pass header.from={domain}\n"
        + _dkim(rng, domain)
        + f"X-Spam-Status: No, score=-0.{rng.randrange(10)} required=5.0 tests=DKIM_SIGNED,DKIM_VALID\n"
    )


def complaint_mail(
    rng: random.Random,
    *,
    sender: str,
    name: str,
    subject: str,
    body: str,
    at: datetime,
    message_id: str,
) -> bytes:
    """A person's plain-text complaint as it reaches the desk's mailbox: the relays' path and
    our MX's authentication results (``sender`` authenticated), then the message itself."""
    return (
        _transport(rng, sender, f"203.0.113.{rng.randrange(1, 250)}", at)
        + f"From: {name} <{sender}>\nTo: abuse@desk.example\nSubject: {subject}\n"
        f"Date: {stamp(at)}\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def _spam(rng: random.Random, ip: str, at: datetime, n: int, recipient_domain: str) -> str:
    """A spam message as a feedback loop attaches it: its own header path and a
    text + HTML body."""
    sender = f"shop{n % 400}.example.net"
    text = " ".join(rng.choices(WORDS, k=80))
    html = "".join(
        f'<p style="font-family:Arial">{" ".join(rng.choices(WORDS, k=14))}</p>' for _ in range(8)
    )
    return (
        f"Received: from mx2.{recipient_domain} ([198.51.100.{rng.randrange(1, 250)}]) by store.{recipient_domain}; {stamp(at)}\n"
        f"Received: from {sender} ([{ip}]) by mx2.{recipient_domain} with ESMTP id {_b64ish(rng, 12)}; {stamp(at)}\n"
        + _dkim(rng, sender)
        + f'From: "Offers" <offers@{sender}>\nTo: user{n}@{recipient_domain}\nSubject: Limited offer {n}\n'
        f"Date: {stamp(at)}\nMessage-ID: <m{n}.{_b64ish(rng, 8)}@{sender}>\nMIME-Version: 1.0\n"
        f"List-Unsubscribe: <mailto:unsubscribe@{sender}>\n"
        'Content-Type: multipart/alternative; boundary="alt"\n\n'
        f"--alt\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
        f"--alt\nContent-Type: text/html; charset=utf-8\n\n<html><body>{html}</body></html>\n--alt--\n"
    )


def arf(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    isp = rng.choice(
        ["fbl.mailprovider.example", "feedback.bigmail.example", "arf.webmail.example"]
    )
    return (
        _transport(rng, f"fbl@{isp}", f"198.51.100.{rng.randrange(1, 250)}", at)
        + f"From: Feedback Loop <fbl@{isp}>\nTo: abuse@desk.example\nSubject: Abuse report {n}\n"
        f"Date: {stamp(at)}\nMessage-ID: <fbl-{n}@{isp}>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"\n\n'
        f"--arf\nContent-Type: text/plain\n\nThis is an email abuse report for a message from {ip}.\n"
        "For more information about this format please see http://www.mipassoc.org/arf/.\n\n"
        f"--arf\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: FBL/2.1\n"
        f"Version: 1\nOriginal-Mail-From: <offers@shop{n % 400}.example.net>\nOriginal-Rcpt-To: <user{n}@{isp}>\n"
        f"Source-IP: {ip}\nArrival-Date: {stamp(at)}\nReported-Domain: shop{n % 400}.example.net\n\n"
        f"--arf\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n"
        + _spam(rng, ip, at, n, isp)
        + "\n--arf--\n"
    ).encode()


def freetext(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    kind = rng.choice(
        [
            (
                "SSH brute force from your network",
                f"{at:%b %d %H:%M:%S} web1 sshd[{n}]: Failed password for root from {ip} port 4{n % 1000:03d} ssh2",
            ),
            (
                "Phishing site hosted by you",
                f"The phishing page hxxp://{ip}/login/verify.php was live at {at:%Y-%m-%d %H:%M} UTC.",
            ),
            (
                "Port scan",
                f"{at.isoformat()} DROP IN=eth0 SRC={ip} DST=192.0.2.10 PROTO=TCP DPT=23",
            ),
        ]
    )
    logs = "\n".join([kind[1]] * rng.randrange(2, 8))
    body = (
        f"Hello abuse team,\n\n{' '.join(rng.choices(WORDS, k=60))}\n\n{logs}\n\n"
        f"{' '.join(rng.choices(WORDS, k=30))}\n\nRegards,\nJane Admin\nvictim{n % 97}.example.org\n"
        "-- \nThis message and its attachments are confidential. If you received it in error,\n"
        "please notify the sender and delete it.\n"
    )
    html = "".join(f"<p>{line}</p>" for line in body.splitlines() if line)
    sender = f"admin{n % 500}@victim{n % 97}.example.org"
    return (
        _transport(rng, sender, f"203.0.113.{rng.randrange(1, 250)}", at)
        + f"From: Jane Admin <{sender}>\nTo: abuse@desk.example\n"
        f"Subject: {kind[0]}\nDate: {stamp(at)}\nMessage-ID: <ft-{n}@victim.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="ft"\n\n'
        f"--ft\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        f"--ft\nContent-Type: text/html; charset=utf-8\n\n<html><body>{html}</body></html>\n--ft--\n"
    ).encode()


def spamcop(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    sender = f"{7000000000 + n}@reports.spamcop.net"
    return (
        _transport(rng, sender, f"198.51.100.{rng.randrange(1, 250)}", at)
        + f"From: {sender}\nTo: abuse@desk.example\n"
        f"Subject: [SpamCop ({ip}) id:{7000000000 + n}]Win a prize\nDate: {stamp(at)}\n"
        f"Content-Type: text/plain; charset=us-ascii\n\n[ SpamCop V5.4.0 ]\n"
        f"This message is brief for your comfort.  Please use links below for details.\n\n"
        f"Email from {ip} / {stamp(at)}\nhttp://www.spamcop.net/w3m?i=z{7000000000 + n}\n\n"
        f"[ Offending message ]\n" + _spam(rng, ip, at, n, "recipient.example")
    ).encode()


def xarf(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    return (
        _transport(
            rng, "autogenerated@blocklist.example", f"198.51.100.{rng.randrange(1, 250)}", at
        )
        + f'From: "Abuse-Team (auto-generated)" <autogenerated@blocklist.example>\nTo: abuse@desk.example\n'
        f"Subject: [noreply] abuse report about {ip} - {stamp(at)} -- service: ssh\nDate: {stamp(at)}\n"
        f"Message-Id: <x{n}@reporting.blocklist.example>\nMIME-Version: 1.0\nX-XARF: PLAIN\n"
        'Content-Type: multipart/mixed; boundary="Abuse-1"\n\n--Abuse-1\nContent-Type: text/plain; charset=utf-8\n\n'
        f"Hello Abuse-Team,\n\nyour Server/Customer with the IP: *{ip}* has attacked one of our servers/partners.\n"
        f"The attackers used the method/service: *ssh* on: *{stamp(at)}*.\n\n"
        '--Abuse-1\nContent-Type: text/plain; charset=utf-8; name="report.txt"\n\n---\n'
        "Reported-From: abuse-team@blocklist.example\nCategory: abuse\nReport-Type: login-attack\nService: ssh\n"
        f"Version: 0.2\nUser-Agent: Fail2BanFeedBackScript V0.2\nDate: {stamp(at)}\nSource-Type: ip-address\n"
        f"Source: {ip}\nPort: 22\nReport-ID: {n}@blocklist.example\nAttachment: text/plain\n\n"
        '--Abuse-1\nContent-Type: text/plain; charset=utf-8; name="logfile.log"\n\n'
        + "".join(
            f"{at + timedelta(seconds=i):%b %d %H:%M:%S} mx1 sshd[3112]: Failed password for root from {ip} port {51522 + i} ssh2\n"
            for i in range(rng.randrange(3, 12))
        )
        + "\n--Abuse-1--\n"
    ).encode()


SHADOW_HEADER = (
    '"timestamp","ip","port","hostname","tag","asn","geo","region","city","naics","sic","protocol"'
)


def shadowserver_csv(rng: random.Random, networks: list[str], at: datetime, rows: int) -> bytes:
    lines = [SHADOW_HEADER]
    for i in range(rows):
        when = (at + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f'"{when}","{ip_from(rng, networks)}",123,"","ntp",64496,"NL","","","0","0","udp"'
        )
    return ("\n".join(lines) + "\n").encode()


def shadowserver(
    rng: random.Random, networks: list[str], at: datetime, n: int, rows: int = 200
) -> bytes:
    buffer = io.BytesIO()
    name = f"{at:%Y-%m-%d}-scan_ntp-bench{n}-asn.csv"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, shadowserver_csv(rng, networks, at, rows))
    return (
        _transport(rng, "autoreports@shadowserver.example", "198.51.100.77", at)
        + f"From: Shadowserver <autoreports@shadowserver.example>\nTo: abuse@desk.example\n"
        f"Subject: [Bench] Shadowserver Open NTP Report: {at:%Y-%m-%d} #{n}\nDate: {stamp(at)}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nReport attached.\n'
        f'--b1\nContent-Type: application/zip; name="{name}.zip"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment; filename="{name}.zip"\n\n{encodebytes(buffer.getvalue()).decode()}\n--b1--\n'
    ).encode()


def mixed(rng: random.Random, networks: list[str], at: datetime, n: int) -> bytes:
    """One message of the intake's usual mix: ARF 40 %, free text 30 %, SpamCop 15 %,
    X-ARF 10 %, Shadowserver (200 rows) 5 %."""
    roll = rng.random()
    ip = ip_from(rng, networks)
    if roll < 0.40:
        return arf(rng, ip, at, n)
    if roll < 0.70:
        return freetext(rng, ip, at, n)
    if roll < 0.85:
        return spamcop(rng, ip, at, n)
    if roll < 0.95:
        return xarf(rng, ip, at, n)
    return shadowserver(rng, networks, at, n)
