"""Database triggers that keep the queue's derived ticket columns current.

The queue filters on things that live in other tables — the text of evidence and messages
(full-text search), the reporters of a ticket's events, whether the customer's last message
is newer than ours. Joining those at query time cannot meet the queue's latency over
millions of rows, so each is kept on the ticket row, with an index:

- ``search_vector``: subject and resource (weight A), message subjects and bodies (B),
  the reports and events of the ticket's first filing (C), bounded in size;
- ``reporter_ids``: the reporters of the reports behind the ticket's events;
- the event counters (``event_count``, ``report_count``, ``first_event_at``,
  ``last_event_at``): one UPDATE per ticket and statement keeps all of these, so filing a
  batch writes each ticket row once;
- ``last_customer_reply_at`` / ``last_agent_reply_at`` (and the generated
  ``customer_replied``).

They are maintained by triggers rather than by services because events arrive through the
intake's set-based SQL (COPY into a scratch table, INSERT ... SELECT) and messages through
several engineers' services: a statement-level trigger with a transition table sees every
writer and updates each ticket once per statement, not once per event. A row trigger on the
ticket keeps ORM writes from undoing them: an ORM ``save()`` of a Ticket loaded before a
message arrived would otherwise write the stale values back. Only the triggers (trigger depth
> 1) and ``tsd_tickets_rederive`` (setting ``tsd.derive``) may change them.

Any change here needs a new migration that installs it again (every statement is
``CREATE OR REPLACE``), carrying its own frozen copy of the SQL beside it
(``complaints/migrations/_sql_NNNN.py``): a migration never imports this module, so replaying
an old one installs the triggers of its time. ``tests/complaints/test_migrations_frozen.py``
fails while this module and the last migration's SQL disagree.
"""

from __future__ import annotations

# What counts as "the customer wrote" and "we wrote to the customer", shared by the trigger
# and the rebuild so both answer the same.
_CUSTOMER_WROTE = (
    "m.direction = 'in' AND m.status = 'received' "
    "AND (p.role = 'customer' OR (m.party_id IS NULL AND m.visibility = 'customer'))"
)
_AGENT_WROTE = "m.direction = 'out' AND m.visibility = 'customer' AND m.status <> 'failed'"
_MESSAGE_TEXT = "coalesce(m.subject, '') || ' ' || coalesce(m.body, '')"


# An event's searchable text: its resource and the start of its evidence. A per-customer
# ticket (no single resource: a feed's events of one customer) takes its events' resources
# only, and its reports' subjects only: a feed's rows are structured cells (time stamps,
# ports, ASN, country) that the queue's filters cover and that would only add noise, and a
# feed report's evidence lists other customers' rows, which must not make this customer's
# ticket match a search for them.
_EVENT_TEXT = (
    "concat_ws(' ', host(e.ip), nullif(e.domain, ''), nullif(e.url, ''), "
    "CASE WHEN t.resource <> '' THEN left(e.evidence, 500) END)"
)
_REPORT_TEXT = (
    "CASE WHEN t.resource = '' THEN r.subject "
    "ELSE concat_ws(' ', r.subject, left(r.evidence, 1500)) END"
)
# A ticket's first filing adds the text of its first report and of that report's first
# events; later filings add none. A busy case (a spam source reported a thousand times) is
# found by its first report's words, and every later event leaves the ticket's indexed
# columns as they were, so its row update is a HOT update (no index entries): the intake's
# hot path. The intake opens its tickets with that text, their first events' times and
# their reporters already in place (``ticket_opening.report_text``, ``events_text``), so a
# ticket whose reporters are known has had its first filing's text, and the trigger builds
# text only for tickets other writers made. The intake also counts the open tickets it
# finds with settled text itself (``ticket_opening.SQL_ADD``, with ``COUNTS_ADDED`` below)
# and inserts those events flagged ``tsd.events_counted``, as it does a new ticket's; the
# trigger counts the events of every other ticket.
TEXT_EVENTS = 5

# What a filing adds to a ticket ``t``, from ``d`` (n, reports_n, first_at, last_at,
# reporters), and when a ticket's search text is settled (it has had its first filing).
# The events' trigger and the intake (``ticket_opening.SQL_ADD``) write both alike.
COUNTS_ADDED = """event_count = t.event_count + d.n,
         report_count = t.report_count + d.reports_n,
         first_event_at = LEAST(t.first_event_at, d.first_at),
         last_event_at = GREATEST(t.last_event_at, d.last_at),
         reporter_ids = CASE WHEN d.reporters <@ t.reporter_ids THEN t.reporter_ids
                        ELSE ARRAY(SELECT DISTINCT x FROM unnest(t.reporter_ids || d.reporters) x ORDER BY x)
                        END"""
TEXT_SETTLED = "t.event_count > 0 OR cardinality(t.reporter_ids) > 0"
TEXT_CHARS = 20000


# On UPDATE only rows that joined a ticket add their text (a status change while sending
# must not add the body again); reply times are maxima, so re-reading them is harmless.
_JOINED_TICKET = (
    "NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = c.id AND o.ticket_id = c.ticket_id)"
)


def _messages_function(name: str, adds_text: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE complaints_ticket t
     SET last_customer_reply_at = GREATEST(t.last_customer_reply_at, d.customer_at),
         last_agent_reply_at = GREATEST(t.last_agent_reply_at, d.agent_at),
         search_vector = CASE WHEN d.body = '' THEN t.search_vector
           ELSE coalesce(t.search_vector, '') || setweight(to_tsvector('simple'::regconfig, d.body), 'B')
         END
    FROM (SELECT m.ticket_id,
                 max(m.created_at) FILTER (WHERE {_CUSTOMER_WROTE}) AS customer_at,
                 max(m.created_at) FILTER (WHERE {_AGENT_WROTE}) AS agent_at,
                 left(coalesce(string_agg({_MESSAGE_TEXT}, ' ') FILTER (WHERE m.adds_text), ''),
                      100000) AS body
            FROM (SELECT c.*, ({adds_text}) AS adds_text
                    FROM changed c WHERE c.ticket_id IS NOT NULL) m
            LEFT JOIN complaints_party p ON p.id = m.party_id
           GROUP BY m.ticket_id) d
   WHERE t.id = d.ticket_id
     AND (d.body <> ''
          OR d.customer_at > coalesce(t.last_customer_reply_at, '-infinity')
          OR d.agent_at > coalesce(t.last_agent_reply_at, '-infinity'));
  RETURN NULL;
END $$;
"""  # noqa: S608 - built from the constants above


INSTALL = f"""
CREATE OR REPLACE FUNCTION tsd_subject_vector(subject text, resource text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple'::regconfig,
                               coalesce(subject, '') || ' ' || coalesce(resource, '')), 'A')
$$;

CREATE OR REPLACE FUNCTION tsd_ticket_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.reporter_ids := coalesce(NEW.reporter_ids, '{{}}');
    IF NEW.search_vector IS NULL THEN
      NEW.search_vector := tsd_subject_vector(NEW.subject, NEW.resource);
    END IF;
    RETURN NEW;
  END IF;
  IF pg_trigger_depth() = 1 AND coalesce(current_setting('tsd.derive', true), '') <> 'on' THEN
    NEW.search_vector := OLD.search_vector;
    NEW.reporter_ids := OLD.reporter_ids;
    NEW.last_customer_reply_at := OLD.last_customer_reply_at;
    NEW.last_agent_reply_at := OLD.last_agent_reply_at;
  END IF;
  IF NEW.subject IS DISTINCT FROM OLD.subject OR NEW.resource IS DISTINCT FROM OLD.resource THEN
    NEW.search_vector := coalesce(NEW.search_vector, '') || tsd_subject_vector(NEW.subject, NEW.resource);
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS tsd_ticket_guard ON complaints_ticket;
CREATE TRIGGER tsd_ticket_guard BEFORE INSERT OR UPDATE ON complaints_ticket
  FOR EACH ROW EXECUTE FUNCTION tsd_ticket_guard();

CREATE OR REPLACE FUNCTION tsd_events_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The intake counts the events of the tickets it opens, and of the open tickets it
  -- finds whose text is settled, and inserts them in statements flagged here
  -- (ticket_opening.py, event_copy.py).
  IF current_setting('tsd.events_counted', true) = 'on' THEN
    RETURN NULL;
  END IF;
  UPDATE complaints_ticket t
     SET {COUNTS_ADDED},
         search_vector = CASE WHEN {TEXT_SETTLED}
           THEN t.search_vector
           ELSE coalesce(t.search_vector, '') || setweight(to_tsvector('simple'::regconfig, left(
             concat_ws(' ',
               (SELECT {_REPORT_TEXT} FROM complaints_report r WHERE r.id = d.first_report),
               (SELECT string_agg(f.text, ' ')
                  FROM (SELECT {_EVENT_TEXT} AS text FROM complaints_event e
                         WHERE e.ticket_id = t.id AND e.report_id = d.first_report
                         ORDER BY e.id LIMIT {TEXT_EVENTS}) f)),
             {TEXT_CHARS})), 'C')
         END
    FROM (SELECT g.ticket_id, sum(g.n)::int AS n, count(*)::int AS reports_n,
                 min(g.first_at) AS first_at, max(g.last_at) AS last_at,
                 min(g.report_id) AS first_report,
                 coalesce(array_agg(DISTINCT r.reporter_id) FILTER (WHERE r.reporter_id IS NOT NULL),
                          '{{}}') AS reporters
            FROM (SELECT a.ticket_id, a.report_id, count(*) AS n,
                         min(a.observed_at) AS first_at, max(a.observed_at) AS last_at
                    FROM added a
                   WHERE a.ticket_id IS NOT NULL
                   GROUP BY a.ticket_id, a.report_id) g
            JOIN complaints_report r ON r.id = g.report_id
           GROUP BY g.ticket_id) d
   WHERE t.id = d.ticket_id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS tsd_events_added ON complaints_event;
CREATE TRIGGER tsd_events_added AFTER INSERT ON complaints_event
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tsd_events_added();

{_messages_function("tsd_messages_inserted", "true")}
{_messages_function("tsd_messages_updated", _JOINED_TICKET)}
DROP TRIGGER IF EXISTS tsd_messages_inserted ON complaints_message;
DROP TRIGGER IF EXISTS tsd_messages_updated ON complaints_message;
CREATE TRIGGER tsd_messages_inserted AFTER INSERT ON complaints_message
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tsd_messages_inserted();
CREATE TRIGGER tsd_messages_updated AFTER UPDATE ON complaints_message
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION tsd_messages_updated();

CREATE OR REPLACE FUNCTION tsd_tickets_rederive(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('tsd.derive', 'on', true);
  UPDATE complaints_ticket t
     SET search_vector = tsd_subject_vector(t.subject, t.resource)
           || coalesce((SELECT setweight(to_tsvector('simple'::regconfig, left(string_agg(m.text, ' '), 200000)), 'B')
                          FROM (SELECT {_MESSAGE_TEXT} AS text FROM complaints_message m
                                 WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id) m), '')
           || coalesce((SELECT setweight(to_tsvector('simple'::regconfig, left(string_agg(ev.text, ' '), 60000)), 'C')
                          FROM (SELECT concat_ws(' ', {_EVENT_TEXT}, {_REPORT_TEXT}) AS text FROM complaints_event e
                                  LEFT JOIN complaints_report r ON r.id = e.report_id
                                 WHERE e.ticket_id = t.id ORDER BY e.id LIMIT 30) ev), ''),
         reporter_ids = coalesce((SELECT array_agg(DISTINCT r.reporter_id ORDER BY r.reporter_id)
                                    FROM complaints_report r
                                   WHERE r.reporter_id IS NOT NULL
                                     AND r.id IN (SELECT e.report_id FROM complaints_event e
                                                   WHERE e.ticket_id = t.id)), '{{}}'),
         last_customer_reply_at = (SELECT max(m.created_at) FROM complaints_message m
                                     LEFT JOIN complaints_party p ON p.id = m.party_id
                                    WHERE m.ticket_id = t.id AND {_CUSTOMER_WROTE}),
         last_agent_reply_at = (SELECT max(m.created_at) FROM complaints_message m
                                 WHERE m.ticket_id = t.id AND {_AGENT_WROTE})
   WHERE t.id = ANY(ids);
  PERFORM set_config('tsd.derive', '', true);
END $$;
"""  # noqa: S608 - built from the constants above

UNINSTALL = """
DROP TRIGGER IF EXISTS tsd_messages_inserted ON complaints_message;
DROP TRIGGER IF EXISTS tsd_messages_updated ON complaints_message;
DROP TRIGGER IF EXISTS tsd_events_added ON complaints_event;
DROP TRIGGER IF EXISTS tsd_ticket_guard ON complaints_ticket;
DROP FUNCTION IF EXISTS tsd_tickets_rederive(bigint[]);
DROP FUNCTION IF EXISTS tsd_messages_inserted();
DROP FUNCTION IF EXISTS tsd_messages_updated();
DROP FUNCTION IF EXISTS tsd_events_added();
DROP FUNCTION IF EXISTS tsd_ticket_guard();
DROP FUNCTION IF EXISTS tsd_subject_vector(text, text);
"""

# TicketTally (complaints.models.tickets): one row per ticket, equal to its event_count,
# kept by statement triggers on the ticket. Installed apart from INSTALL, by the migration
# that creates the table: earlier migrations run INSTALL before that table exists.
TALLY_INSTALL = """
CREATE OR REPLACE FUNCTION tsd_tally_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO complaints_tickettally (ticket_id, event_count)
  SELECT o.id, o.event_count FROM opened o ORDER BY o.id
  ON CONFLICT (ticket_id) DO UPDATE SET event_count = EXCLUDED.event_count;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tsd_tally_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE complaints_tickettally c SET event_count = n.event_count
    FROM changed n
   WHERE c.ticket_id = n.id AND c.event_count <> n.event_count;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tsd_tally_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM complaints_tickettally c USING gone g WHERE c.ticket_id = g.id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS tsd_tally_opened ON complaints_ticket;
DROP TRIGGER IF EXISTS tsd_tally_counted ON complaints_ticket;
DROP TRIGGER IF EXISTS tsd_tally_closed ON complaints_ticket;
CREATE TRIGGER tsd_tally_opened AFTER INSERT ON complaints_ticket
  REFERENCING NEW TABLE AS opened FOR EACH STATEMENT EXECUTE FUNCTION tsd_tally_opened();
CREATE TRIGGER tsd_tally_counted AFTER UPDATE ON complaints_ticket
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tsd_tally_counted();
CREATE TRIGGER tsd_tally_closed AFTER DELETE ON complaints_ticket
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION tsd_tally_closed();
"""

TALLY_UNINSTALL = """
DROP TRIGGER IF EXISTS tsd_tally_opened ON complaints_ticket;
DROP TRIGGER IF EXISTS tsd_tally_counted ON complaints_ticket;
DROP TRIGGER IF EXISTS tsd_tally_closed ON complaints_ticket;
DROP FUNCTION IF EXISTS tsd_tally_opened();
DROP FUNCTION IF EXISTS tsd_tally_counted();
DROP FUNCTION IF EXISTS tsd_tally_closed();
"""

# Tallies of tickets that existed before their trigger.
TALLY_BACKFILL = """
INSERT INTO complaints_tickettally (ticket_id, event_count)
SELECT id, event_count FROM complaints_ticket ON CONFLICT (ticket_id) DO NOTHING
"""

# Fill the columns of tickets that existed before the triggers.
BACKFILL = "SELECT tsd_tickets_rederive(ARRAY(SELECT id FROM complaints_ticket))"
