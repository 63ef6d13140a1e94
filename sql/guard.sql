-- guard: DROP EXTENSION crm_ext never silently destroys customer or
-- interaction rows.  Ends with the extension installed (and empty) for the
-- tests that follow.

-- the SQLSTATE and message of a statement, or 'done'
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
BEGIN
	EXECUTE stmt;
	RETURN 'done';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg;
END
$$;

-- row counts (a function, not a view: a view would depend on the tables)
CREATE FUNCTION pg_temp.rows(OUT customers bigint, OUT interactions bigint, OUT installed bigint)
LANGUAGE plpgsql AS $$
BEGIN
	SELECT count(*) INTO customers FROM crm.customers;
	SELECT count(*) INTO interactions FROM crm.interactions;
	SELECT count(*) INTO installed FROM pg_extension WHERE extname = 'crm_ext';
END
$$;

INSERT INTO crm.customers (customer_id, external_ref) VALUES (1, 'G-1'), (2, 'G-2');
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount)
VALUES (1, '2024-05-01 10:00+00', 'purchase', 20), (1, '2024-06-01 10:00+00', 'purchase', 30),
	   (2, '2024-06-02 10:00+00', 'visit', NULL);

-- with rows, DROP EXTENSION is refused: the message, the counts, what to do
DROP EXTENSION crm_ext;

-- every way to drop the extension is refused; the rows stay
SELECT t.stmt, pg_temp.try(t.stmt) AS result
FROM (VALUES
	('DROP EXTENSION crm_ext CASCADE'),
	('DROP EXTENSION IF EXISTS no_such_extension, crm_ext'),
	('DROP SCHEMA crm CASCADE'),
	('DROP SCHEMA crm'),
	('DROP EXTENSION plpgsql CASCADE'),
	('DROP LANGUAGE plpgsql CASCADE'),
	('DROP OWNED BY CURRENT_USER'),
	-- members cannot be dropped alone (PostgreSQL's own rule)
	('DROP TABLE crm.customers'),
	('DROP TABLE crm.interactions CASCADE'),
	('DROP TYPE crm.interaction_kind CASCADE'),
	('DROP FUNCTION crm.drop_guard()'),
	('DROP EVENT TRIGGER crm_ext_drop_guard')
) AS t(stmt);
SELECT * FROM pg_temp.rows();

-- the trigger fires in replica mode too (ENABLE ALWAYS)
SET session_replication_role = replica;
SELECT pg_temp.try('DROP EXTENSION crm_ext') AS replica_mode;
RESET session_replication_role;

-- commands that do not reach the extension are not affected
CREATE SCHEMA regress_crm_other;
CREATE FUNCTION regress_crm_other.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TYPE regress_crm_other.t AS (x int);
DROP TYPE regress_crm_other.t CASCADE;
DROP FUNCTION regress_crm_other.f() CASCADE;
DROP SCHEMA regress_crm_other CASCADE;
DROP EXTENSION IF EXISTS no_such_extension;

-- a non-superuser cannot get around the guard
CREATE ROLE regress_crm_user;
GRANT USAGE ON SCHEMA crm TO regress_crm_user;
SET ROLE regress_crm_user;
SET crm.allow_drop_with_data = on;
SELECT t.stmt, pg_temp.try(t.stmt) AS result
FROM (VALUES
	('DROP EXTENSION crm_ext'),
	('DROP SCHEMA crm CASCADE'),
	('ALTER EVENT TRIGGER crm_ext_drop_guard DISABLE'),
	('DROP EVENT TRIGGER crm_ext_drop_guard'),
	('SET session_replication_role = replica'),
	('TRUNCATE crm.interactions, crm.customers'),
	('DELETE FROM crm.interactions'),
	('DROP OWNED BY regress_crm_user')
) AS t(stmt);
RESET crm.allow_drop_with_data;
RESET ROLE;
SELECT * FROM pg_temp.rows();

-- crm.allow_drop_with_data = on lets the drop through (rolled back here)
SHOW crm.allow_drop_with_data;
BEGIN;
SET LOCAL crm.allow_drop_with_data = on;
DROP SCHEMA crm CASCADE;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'crm_ext';
ROLLBACK;
SELECT * FROM pg_temp.rows();
-- and for real
SET crm.allow_drop_with_data = on;
DROP EXTENSION crm_ext;
RESET crm.allow_drop_with_data;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'crm_ext';

-- CREATE EXTENSION again after a drop; here by another superuser, who then
-- owns the extension: DROP OWNED BY that role is refused while rows exist
CREATE ROLE regress_crm_admin SUPERUSER;
SET ROLE regress_crm_admin;
CREATE EXTENSION crm_ext;
RESET ROLE;
SELECT r.rolname AS owner FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner WHERE e.extname = 'crm_ext';
SELECT * FROM pg_temp.rows();
INSERT INTO crm.customers (external_ref) VALUES ('G-3');
SELECT pg_temp.try('DROP OWNED BY regress_crm_admin') AS drop_owned;
SELECT * FROM pg_temp.rows();

-- empty tables: the drop goes ahead (changed settings do not count: the
-- seeded table is not a user-data table)
TRUNCATE crm.interactions, crm.customers;
UPDATE crm.settings SET value = '7' WHERE name = 'demo.seed';
DROP OWNED BY regress_crm_admin;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'crm_ext';

-- and once more as the original user, then DROP EXTENSION of an empty one
CREATE EXTENSION crm_ext;
DROP EXTENSION crm_ext;
CREATE EXTENSION crm_ext;
SELECT * FROM pg_temp.rows();
SELECT name, value, is_default FROM crm.settings ORDER BY name;
-- identity sequences start afresh with the new tables
INSERT INTO crm.customers (external_ref) VALUES ('G-4') RETURNING customer_id;
TRUNCATE crm.interactions, crm.customers;

DROP ROLE regress_crm_admin;
REVOKE USAGE ON SCHEMA crm FROM regress_crm_user;
DROP ROLE regress_crm_user;
