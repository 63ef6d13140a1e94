-- doc/reference.sql: prints the README's reference tables (markdown) from the
-- catalog of a database where crm_ext is installed:
--   psql -X -At -f doc/reference.sql
-- Every member of the extension is listed with its comment; the "Added"
-- column is the version whose install script created it (1.0 for all now).
\pset footer off
WITH members AS (
	SELECT d.classid, d.objid
	FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
	  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'crm_ext')
	  AND d.deptype = 'e'
)
SELECT '### Tables and views' || E'\n\n| name | kind | description | Added |\n|---|---|---|---|\n' ||
	string_agg(format('| `%s` | %s | %s | 1.0 |', c.oid::regclass,
		CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE c.relkind::text END,
		replace(coalesce(obj_description(c.oid, 'pg_class'), ''), '|', '\|')), E'\n' ORDER BY c.relkind DESC, c.relname)
FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
WHERE c.relkind IN ('r', 'v', 'm');

WITH members AS (
	SELECT d.classid, d.objid
	FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
	  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'crm_ext')
	  AND d.deptype = 'e'
)
SELECT E'\n### Types\n\n| type | kind | description | Added |\n|---|---|---|---|\n' ||
	string_agg(format('| `%s` | %s | %s | 1.0 |', t.oid::regtype,
		CASE t.typtype WHEN 'c' THEN 'composite: ' || (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
			WHEN 'e' THEN 'enum: ' || (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
			WHEN 'b' THEN 'base' ELSE t.typtype::text END,
		replace(coalesce(obj_description(t.oid, 'pg_type'), ''), '|', '\|')), E'\n' ORDER BY t.typname)
FROM members m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid;

WITH members AS (
	SELECT d.classid, d.objid
	FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
	  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'crm_ext')
	  AND d.deptype = 'e'
), f AS (
	SELECT p.*, p.oid AS poid
	FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
	WHERE p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype, 'pg_catalog.cstring'::regtype, 'pg_catalog.bytea'::regtype)
	  AND p.proname !~ '_(sfunc|final|combine|serial|deserial|in|out|recv|send)$'
	  AND p.proname NOT IN ('fit_combine')
)
SELECT E'\n### ' || CASE WHEN prokind = 'a' THEN 'Aggregates' WHEN prokind = 'p' THEN 'Procedures' ELSE 'Functions' END ||
	E'\n\nMarkers: I = IMMUTABLE, S = STABLE, V = VOLATILE; strict = returns NULL on NULL input; PS = PARALLEL SAFE, PR = RESTRICTED, PU = UNSAFE.\n\n| signature | returns | markers | description | Added |\n|---|---|---|---|---|\n' ||
	string_agg(format('| `crm.%s(%s)` | %s | %s | %s | 1.0 |', proname,
		pg_catalog.pg_get_function_arguments(poid),
		CASE WHEN prokind = 'p' THEN '–' ELSE '`' || pg_catalog.pg_get_function_result(poid) || '`' END,
		CASE provolatile WHEN 'i' THEN 'I' WHEN 's' THEN 'S' ELSE 'V' END ||
			CASE WHEN proisstrict THEN ' strict' ELSE '' END || ' ' ||
			CASE proparallel WHEN 's' THEN 'PS' WHEN 'r' THEN 'PR' ELSE 'PU' END,
		replace(coalesce(obj_description(poid, 'pg_proc'), ''), '|', '\|')), E'\n' ORDER BY proname, pronargs, poid::regprocedure::text)
FROM f
GROUP BY prokind = 'a', prokind = 'p', prokind
ORDER BY prokind = 'a' DESC, prokind = 'p';

SELECT E'\n### Settings (`crm.settings`, shipped defaults)\n\n| name | default | description |\n|---|---|---|\n' ||
	string_agg(format('| `%s` | `%s` | %s |', name, value, replace(description, '|', '\|')), E'\n' ORDER BY name)
FROM crm.settings WHERE is_default;
