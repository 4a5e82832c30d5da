"""The reputation watch above the DNS layer: zones from the database, sweeps that record
listings and open listing tickets, delisting requests, stored deliverability checks and
compromise detection.

Boundary: DNS traffic goes through ``customers.dns`` (pure, no ORM) and always happens
outside a transaction; the services here turn its results into rows, one
``@transaction.atomic`` state change at a time. Read queries for the pages live in
``customers.reputation.selectors``.
"""
