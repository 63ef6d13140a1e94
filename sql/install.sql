-- install: CREATE EXTENSION, versions, and every member object with its comment.
CREATE EXTENSION crm_ext;

-- EXTVERSION (Makefile, compiled into the library) equals default_version
-- (control file) and the installed version.
SELECT e.extversion, crm.extension_version() AS library_version,
       e.extversion = crm.extension_version() AS versions_match,
       n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'crm_ext';

-- every member object, with its comment; objects without a comment are flagged
SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
       coalesce(left(obj_description(d.objid, c.relname::name), 60), '** NO COMMENT **') AS comment
FROM pg_depend d
JOIN pg_class c ON c.oid = d.classid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')
  AND d.deptype = 'e'
ORDER BY 1;

-- members without a comment (must be empty)
SELECT count(*) AS uncommented
FROM pg_depend d
JOIN pg_class c ON c.oid = d.classid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')
  AND d.deptype = 'e'
  AND obj_description(d.objid, c.relname::name) IS NULL;

-- columns of member tables, views and composite types without a comment (must be empty)
SELECT r.oid::regclass AS relation, a.attname
FROM pg_depend d
JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid AND t.typtype = 'c'
JOIN pg_class r ON r.oid = t.typrelid
JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')
  AND d.deptype = 'e'
  AND col_description(r.oid, a.attnum) IS NULL
UNION ALL
SELECT r.oid::regclass, a.attname
FROM pg_depend d
JOIN pg_class r ON d.classid = 'pg_class'::regclass AND r.oid = d.objid AND r.relkind IN ('r', 'v', 'm', 'p')
JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')
  AND d.deptype = 'e'
  AND col_description(r.oid, a.attnum) IS NULL
ORDER BY 1, 2;
