"""Network clients for DNS: blocklist (DNSBL) queries and the deliverability doctor.

Boundary: plain Python taking parameters (nameserver, zones, timeouts). No ORM, no Django
settings, no module-level state; the ``customers`` app's services and tasks wire these to the
database and to settings. Every function takes the nameserver to ask, so tests and the demo
point them at DNS servers on loopback.
"""
