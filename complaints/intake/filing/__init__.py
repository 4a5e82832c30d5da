"""The filing engine: parse, attribute, aggregate and file a batch of claimed reports
(``pipeline``), with its steps' rows, the evidence verdict, ticket opening, the events' COPY
and the set-based SQL they are built from (``bulk_sql``).
"""
