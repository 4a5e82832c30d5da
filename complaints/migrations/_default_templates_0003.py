"""Default mail templates and notice policy, frozen for migration 0003 (data, not code the
app imports: a later change of wording is a new migration or an admin edit)."""

_SIGN = """
Kind regards,
{{ provider_name }} Abuse Desk
"""

_CUSTOMER_HEAD = """Dear {{ customer_name|default:"customer" }},

we received a report of {{ type_label|lower }} involving a service you hold with {{ provider_name }}. The report concerns:

{% for r in resources %}  {{ r }}
{% endfor %}{% if more_resources %}  ... and {{ more_resources }} more ({{ resource_count }} in total)
{% endif %}
First seen: {{ first_seen }}
Last seen:  {{ last_seen }}
{% if evidence %}
Excerpt of the evidence (addresses of third parties are removed):
----------------------------------------------------------------------
{{ evidence }}
----------------------------------------------------------------------
{% endif %}
"""

_CUSTOMER_TAIL = (
    """
Please reply by {{ deadline }} and tell us what you found and what you changed{% if self_service_url %}, or answer on your self-service page: {{ self_service_url }}{% endif %}. Reply to this message and keep the ticket number in the subject, so your answer reaches the right case. If the problem continues and we do not hear from you, we may have to restrict the affected service to protect our network and other customers.

If you believe this report is mistaken, tell us why: we review every answer.
"""
    + _SIGN
    + """
This message was sent automatically; replies are read by a person.
"""
)


def _notice(guidance: str) -> str:
    return _CUSTOMER_HEAD + guidance.strip("\n") + "\n" + _CUSTOMER_TAIL


_SUBJECT = "[Ticket #{{ ticket_number }}] {{ type_label }}: {{ resources.0 }}{% if more_resources or resource_count > 1 %} and others{% endif %}"

NOTICES = {
    "spam": (
        "Notice: spam sent from your service",
        """
What this means: mail that its recipients reported as unsolicited was sent from your service.

Common causes:
  - a mailbox whose password was stolen (look for logins from unusual places);
  - a contact form, newsletter or web script that can be made to send mail to anyone;
  - a hacked website with a mailer script (look for recently changed or unknown PHP files);
  - bulk mail sent without the recipients' consent (confirmed opt-in and a working
    unsubscribe link are required by our terms of service).

What we ask you to do:
  1. find the source and stop it (change the passwords of affected mailboxes);
  2. remove the spam that is still waiting in your mail queue;
  3. make sure the hole cannot be used again (update the software, secure the forms).
""",
    ),
    "phishing": (
        "Notice: phishing site on your service",
        """
What this means: a page on your service imitates a bank, a shop or a login page to steal
the passwords and payment details of the people who visit it. Such pages are nearly always
placed on websites that were broken into.

What we ask you to do, as soon as possible:
  1. remove the phishing content listed above (and any other file the intruder left);
  2. find out how it got there: update your CMS, its plugins and themes, remove unknown
     administrator accounts, change the passwords (FTP, SSH, control panel, CMS, database);
  3. check your access logs for the upload, and tell us what you found.

Because visitors lose money to phishing every hour it stays online, we may restrict access
to the content without further notice if it is still reachable.
""",
    ),
    "malware-distribution": (
        "Notice: malware served from your service",
        """
What this means: the URLs listed above deliver malicious software (malware) to visitors.
This usually means that the website or server was broken into and is used to spread it.

What we ask you to do:
  1. remove the malicious files and check for others (web shells, unknown scripts,
     changed .htaccess files, unknown cron jobs);
  2. close the way in: update the software, remove unknown accounts, change every password
     and key used on this service;
  3. tell us what you found and what you changed.
""",
    ),
    "infected-system": (
        "Notice: infected system on your service",
        """
What this means: a system on the address(es) above behaves like a member of a botnet: it
contacted a command-and-control server or a sinkhole run by security researchers. The
system is very probably infected with malware and controlled by someone else.

What we ask you to do:
  1. identify the affected machine (server, virtual machine, or a device behind it);
  2. clean it, or better, reinstall it from a known good source;
  3. change every password and key that was used on it, and patch the hole it was
     infected through;
  4. tell us what you found.
""",
    ),
    "brute-force": (
        "Notice: login attacks from your service",
        """
What this means: the address(es) above tried to log in to other people's systems again and
again (SSH, RDP, mail, FTP or web logins), guessing passwords. A server does this when it was
broken into and a brute-force tool was installed on it.

What we ask you to do:
  1. look for unknown processes, cron jobs, users and SSH keys (~/.ssh/authorized_keys);
  2. stop the attack and remove the tools; reinstall the system if you cannot be sure it
     is clean;
  3. change all passwords, use keys instead of passwords for SSH, and keep the software up
     to date;
  4. tell us what you found.
""",
    ),
    "scanner": (
        "Notice: network scanning from your service",
        """
What this means: the address(es) above scanned other networks for open ports or vulnerable
services. Unless you run an announced research scanner, this usually means the system was
compromised and is looking for its next victims.

What we ask you to do:
  1. check the system for unknown processes, users, cron jobs and network tools;
  2. stop the scanning and clean or reinstall the system;
  3. if the scanning is intended (security research), tell us who runs it and how the
     scanned networks can opt out.
""",
    ),
    "ddos-amplifier": (
        "Notice: open service that can be abused for DDoS attacks",
        """
What this means: a service on the address(es) above answers anyone on the internet over UDP
and sends back far more data than it receives. Attackers use such services to multiply
the traffic of denial-of-service attacks against third parties.

How to fix the usual suspects:
  - DNS (53/udp): allow recursion only for your own networks
    (BIND: allow-recursion; Unbound: access-control) or turn recursion off;
  - NTP (123/udp): upgrade ntpd and add "disable monitor" / "restrict default noquery";
  - memcached (11211/udp): start it with -U 0 and listen on 127.0.0.1 only;
  - SSDP/UPnP (1900/udp): turn UPnP off on the device or block it at the firewall;
  - SNMP (161/udp), CharGEN (19/udp), QOTD, Portmapper (111/udp), LDAP (389/udp),
    WS-Discovery (3702/udp): turn the service off or allow only trusted addresses.

Please fix or firewall the service and tell us what you changed. We check again
automatically; the ticket is closed once the service no longer answers from the internet.
""",
    ),
    "vulnerable-system": (
        "Notice: vulnerable or exposed service on your service",
        """
What this means: security researchers found a service on the address(es) above that is
reachable from the whole internet and is vulnerable or should not be public (for example an
open DNS resolver, NTP, memcached, SSDP, SNMP, an unprotected database such as Redis,
Elasticsearch or MongoDB, RDP, SMB, telnet or an outdated server software).

What we ask you to do:
  - update the software to a version that is not vulnerable; and
  - allow access only from the addresses that need it (firewall, bind to localhost), or
    turn the service off if you do not use it;
  - for DNS resolvers, NTP, memcached and SSDP: answer only your own networks, as your
    software's documentation explains (for example BIND allow-recursion, ntpd
    "restrict default noquery", memcached -U 0).

Please tell us what you changed. We check again automatically from the next reports.
""",
    ),
    "copyright": (
        "Notice: claimed copyright infringement on your service",
        """
What this means: a rights holder (or an agent acting for one) says that material on your
service infringes their copyright. The notice names the material listed above.

What we ask you to do:
  1. remove or disable access to the material; or
  2. if you believe the notice is mistaken (you hold a licence, the material is yours, or
     the use is permitted by law), reply with your reasons and your contact details, and we
     will pass your answer on to the sender of the notice.

We do not judge the dispute between you and the rights holder, but as the hosting provider
we must act on a valid notice.
""",
    ),
    "system-compromise": (
        "Notice: compromised system on your service",
        """
What this means: we have reports that the system(s) above were broken into: an intruder
controls them and uses them for attacks or other abuse.

What we ask you to do:
  1. take the system offline or isolate it, and keep copies of the logs;
  2. find out how the intruder got in (outdated software, weak or stolen passwords,
     exposed management interfaces);
  3. reinstall from a known good source, restore your data from a clean backup, change
     every password and key that was used on the system;
  4. tell us what you found and what you changed.
""",
    ),
    "": (
        "Notice: abuse report about your service",
        """
What we ask you to do:
  1. look into the report above and stop the activity it describes;
  2. find the cause (a compromised account, website or system, or a misused service) and
     make sure it cannot happen again;
  3. tell us what you found and what you changed.
""",
    ),
}

ACKNOWLEDGEMENT = (
    "{% if ticket_number %}[Ticket #{{ ticket_number }}] {% endif %}Re: {{ report_subject|default:'your abuse report' }}",
    """Hello,

thank you for your report{% if report_received %} received on {{ report_received }}{% endif %}. This is an automatic acknowledgement from the {{ provider_name }} abuse desk.
{% if not_our_network %}
None of the addresses, domains or URLs we found in your report belongs to our network or to a service hosted by us, so we cannot act on it.{% if resources %} We found:

{% for r in resources %}  {{ r }}
{% endfor %}{% endif %}
Please look up the network responsible for the address (a WHOIS or RDAP query shows its abuse contact) and send your report there. If you think we are mistaken, reply to this message.
{% else %}
We have filed it under ticket{{ tickets|length|pluralize }} {% for t in tickets %}#{{ t }}{% if not forloop.last %}, {% endif %}{% endfor %}. The report concerns:

{% for r in resources %}  {{ r }}
{% endfor %}{% if more_resources %}  ... and {{ more_resources }} more
{% endif %}
Our customer has been informed where our policy requires it, and an agent of our team will follow up. If you have more information (log lines with time stamps and time zone, the full headers of a spam message), reply to this message and keep the ticket number in the subject: your reply is added to the ticket.

Please do not send the same report again: reports about the same resource are grouped into one case. For the privacy of our customers we cannot tell you what action we take, but every report is handled.
{% endif %}"""
    + _SIGN,
)

EVIDENCE_REQUEST = (
    "[Ticket #{{ ticket_number }}] More information needed: {{ report_subject|default:'your abuse report' }}",
    """Hello,

thank you for your report about {{ resources.0|default:"a resource in our network" }}{% if more_resources or resource_count > 1 %} and others{% endif %}. Before we can act on it, we need a little more information:

  - the time of the abuse, with its time zone (for example 2024-05-11 08:12 UTC), because
    addresses change hands and we must identify who used the address at that moment;
  - the evidence itself: log lines showing the connection or attack, or for spam the
    complete message with all its headers (as an attachment or pasted in full);
  - for web content: the full URL and what the page does.

Please reply to this message and keep the ticket number in the subject, so your answer is added to the case.
"""
    + _SIGN,
)

CLOSED = (
    "[Ticket #{{ ticket_number }}] Closed: {{ ticket_subject }}",
    """Hello,

the case you reported to us ({{ ticket_subject }}, ticket #{{ ticket_number }}) is closed: the issue has been dealt with as far as it concerns our network.

Thank you for taking the time to report it. If the abuse starts again, please send a new report with fresh evidence; a reply to this message with the ticket number reopens the case.
"""
    + _SIGN,
)

REMINDER = (
    "[Ticket #{{ ticket_number }}] Reminder: {{ ticket_subject }}",
    """Dear {{ customer_name|default:"customer" }},

we wrote to you about the case below and have not received an answer yet.

  Ticket:   #{{ ticket_number }} ({{ type_label }})
  Concerns: {% for r in resources %}{{ r }}{% if not forloop.last %}, {% endif %}{% endfor %}{% if more_resources %} and {{ more_resources }} more{% endif %}
  Last seen: {{ last_seen }}

Please reply by {{ deadline }} and tell us what you found and what you changed{% if self_service_url %}, or answer on your self-service page: {{ self_service_url }}{% endif %}. Keep the ticket number in the subject of your reply. Without an answer we may have to restrict the affected service to protect our network and other customers.
"""
    + _SIGN,
)

# type -> (notify automatically, note)
POLICIES = {
    "spam": (True, "Customers are told at once; spam runs are usually a hacked mailbox or form."),
    "phishing": (True, "Urgent: victims lose money while the page is up."),
    "malware-distribution": (True, "Urgent: visitors are infected while it is up."),
    "malware-configuration": (True, ""),
    "infected-system": (True, "Bot and sinkhole reports; one notice per customer ticket."),
    "c2-server": (True, ""),
    "brute-force": (True, ""),
    "scanner": (True, ""),
    "exploit": (True, ""),
    "ddos": (True, ""),
    "ddos-amplifier": (True, "Open amplifiers from scan feeds; one notice per customer ticket."),
    "vulnerable-system": (True, "Scan feeds; one notice per customer ticket, not per host."),
    "potentially-unwanted-accessible": (True, "Exposed services from scan feeds."),
    "copyright": (True, "Notice-and-action: the customer may answer with a counter-notice."),
    "system-compromise": (True, ""),
    "application-compromise": (True, ""),
    "blacklist": (False, "Listings are handled by the reputation watch, not by notices."),
    "masquerade": (False, "Impersonation claims are checked by an agent first."),
    "other": (False, "An agent reads unclassified reports first."),
    "undetermined": (False, "An agent reads unclassified reports first."),
}
