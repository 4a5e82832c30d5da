"""The SQL that migration 0016_events_counted_by_intake runs, frozen as ``complaints/search_sql.py``
had it when the migration was written (commit 9dd5e9cd559a), so replaying the migration installs the
functions and triggers of its time, never today's (docs/architecture.md, "Migrations").

Generated text, not code the app imports: a later change to the triggers is a new migration
with its own frozen SQL."""

# ruff: noqa: E501, W291, W293

INSTALL = """
CREATE OR REPLACE FUNCTION tsd_subject_vector(subject text, resource text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple'::regconfig,
                               coalesce(subject, '') || ' ' || coalesce(resource, '')), 'A')
$$;

CREATE OR REPLACE FUNCTION tsd_ticket_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.reporter_ids := coalesce(NEW.reporter_ids, '{}');
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
  -- The intake opens a ticket with its first filing's counts already in it and inserts
  -- those events in a statement of their own, flagged here (processing.py).
  IF current_setting('tsd.events_counted', true) = 'on' THEN
    RETURN NULL;
  END IF;
  UPDATE complaints_ticket t
     SET event_count = t.event_count + d.n,
         report_count = t.report_count + d.reports_n,
         first_event_at = LEAST(t.first_event_at, d.first_at),
         last_event_at = GREATEST(t.last_event_at, d.last_at),
         reporter_ids = CASE WHEN d.reporters <@ t.reporter_ids THEN t.reporter_ids
                        ELSE ARRAY(SELECT DISTINCT x FROM unnest(t.reporter_ids || d.reporters) x ORDER BY x)
                        END,
         search_vector = CASE WHEN t.event_count > 0 OR cardinality(t.reporter_ids) > 0
           THEN t.search_vector
           ELSE coalesce(t.search_vector, '') || setweight(to_tsvector('simple'::regconfig, left(
             concat_ws(' ',
               (SELECT CASE WHEN t.resource = '' THEN r.subject ELSE concat_ws(' ', r.subject, left(r.evidence, 1500)) END FROM complaints_report r WHERE r.id = d.first_report),
               (SELECT string_agg(f.text, ' ')
                  FROM (SELECT concat_ws(' ', host(e.ip), nullif(e.domain, ''), nullif(e.url, ''), left(e.evidence, 500)) AS text FROM complaints_event e
                         WHERE e.ticket_id = t.id AND e.report_id = d.first_report
                         ORDER BY e.id LIMIT 5) f)),
             20000)), 'C')
         END
    FROM (SELECT g.ticket_id, sum(g.n)::int AS n, count(*)::int AS reports_n,
                 min(g.first_at) AS first_at, max(g.last_at) AS last_at,
                 min(g.report_id) AS first_report,
                 coalesce(array_agg(DISTINCT r.reporter_id) FILTER (WHERE r.reporter_id IS NOT NULL),
                          '{}') AS reporters
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


CREATE OR REPLACE FUNCTION tsd_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE complaints_ticket t
     SET last_customer_reply_at = GREATEST(t.last_customer_reply_at, d.customer_at),
         last_agent_reply_at = GREATEST(t.last_agent_reply_at, d.agent_at),
         search_vector = CASE WHEN d.body = '' THEN t.search_vector
           ELSE coalesce(t.search_vector, '') || setweight(to_tsvector('simple'::regconfig, d.body), 'B')
         END
    FROM (SELECT m.ticket_id,
                 max(m.created_at) FILTER (WHERE m.direction = 'in' AND m.status = 'received' AND (p.role = 'customer' OR (m.party_id IS NULL AND m.visibility = 'customer'))) AS customer_at,
                 max(m.created_at) FILTER (WHERE m.direction = 'out' AND m.visibility = 'customer' AND m.status <> 'failed') AS agent_at,
                 left(coalesce(string_agg(coalesce(m.subject, '') || ' ' || coalesce(m.body, ''), ' ') FILTER (WHERE m.adds_text), ''),
                      100000) AS body
            FROM (SELECT c.*, (true) AS adds_text
                    FROM changed c WHERE c.ticket_id IS NOT NULL) m
            LEFT JOIN complaints_party p ON p.id = m.party_id
           GROUP BY m.ticket_id) d
   WHERE t.id = d.ticket_id
     AND (d.body <> ''
          OR d.customer_at > coalesce(t.last_customer_reply_at, '-infinity')
          OR d.agent_at > coalesce(t.last_agent_reply_at, '-infinity'));
  RETURN NULL;
END $$;


CREATE OR REPLACE FUNCTION tsd_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE complaints_ticket t
     SET last_customer_reply_at = GREATEST(t.last_customer_reply_at, d.customer_at),
         last_agent_reply_at = GREATEST(t.last_agent_reply_at, d.agent_at),
         search_vector = CASE WHEN d.body = '' THEN t.search_vector
           ELSE coalesce(t.search_vector, '') || setweight(to_tsvector('simple'::regconfig, d.body), 'B')
         END
    FROM (SELECT m.ticket_id,
                 max(m.created_at) FILTER (WHERE m.direction = 'in' AND m.status = 'received' AND (p.role = 'customer' OR (m.party_id IS NULL AND m.visibility = 'customer'))) AS customer_at,
                 max(m.created_at) FILTER (WHERE m.direction = 'out' AND m.visibility = 'customer' AND m.status <> 'failed') AS agent_at,
                 left(coalesce(string_agg(coalesce(m.subject, '') || ' ' || coalesce(m.body, ''), ' ') FILTER (WHERE m.adds_text), ''),
                      100000) AS body
            FROM (SELECT c.*, (NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = c.id AND o.ticket_id = c.ticket_id)) AS adds_text
                    FROM changed c WHERE c.ticket_id IS NOT NULL) m
            LEFT JOIN complaints_party p ON p.id = m.party_id
           GROUP BY m.ticket_id) d
   WHERE t.id = d.ticket_id
     AND (d.body <> ''
          OR d.customer_at > coalesce(t.last_customer_reply_at, '-infinity')
          OR d.agent_at > coalesce(t.last_agent_reply_at, '-infinity'));
  RETURN NULL;
END $$;

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
                          FROM (SELECT coalesce(m.subject, '') || ' ' || coalesce(m.body, '') AS text FROM complaints_message m
                                 WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id) m), '')
           || coalesce((SELECT setweight(to_tsvector('simple'::regconfig, left(string_agg(ev.text, ' '), 60000)), 'C')
                          FROM (SELECT concat_ws(' ', concat_ws(' ', host(e.ip), nullif(e.domain, ''), nullif(e.url, ''), left(e.evidence, 500)), CASE WHEN t.resource = '' THEN r.subject ELSE concat_ws(' ', r.subject, left(r.evidence, 1500)) END) AS text FROM complaints_event e
                                  LEFT JOIN complaints_report r ON r.id = e.report_id
                                 WHERE e.ticket_id = t.id ORDER BY e.id LIMIT 30) ev), ''),
         reporter_ids = coalesce((SELECT array_agg(DISTINCT r.reporter_id ORDER BY r.reporter_id)
                                    FROM complaints_report r
                                   WHERE r.reporter_id IS NOT NULL
                                     AND r.id IN (SELECT e.report_id FROM complaints_event e
                                                   WHERE e.ticket_id = t.id)), '{}'),
         last_customer_reply_at = (SELECT max(m.created_at) FROM complaints_message m
                                     LEFT JOIN complaints_party p ON p.id = m.party_id
                                    WHERE m.ticket_id = t.id AND m.direction = 'in' AND m.status = 'received' AND (p.role = 'customer' OR (m.party_id IS NULL AND m.visibility = 'customer'))),
         last_agent_reply_at = (SELECT max(m.created_at) FROM complaints_message m
                                 WHERE m.ticket_id = t.id AND m.direction = 'out' AND m.visibility = 'customer' AND m.status <> 'failed')
   WHERE t.id = ANY(ids);
  PERFORM set_config('tsd.derive', '', true);
END $$;
"""
