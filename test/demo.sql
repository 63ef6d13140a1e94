-- test/demo.sql: what test/demo.sh shows.
\pset footer off
CREATE EXTENSION crm_ext;
SELECT 'crm_ext ' || crm.extension_version() || ' installed' AS demo;
