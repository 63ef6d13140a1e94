-- crm_ext install script, assembled by the Makefile from sql/install/*.sql.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION crm_ext" to load this file. \quit

-- The extension lives in schema crm (crm_ext.control: schema = crm, not
-- relocatable).  Objects are schema-qualified throughout; SQL-language
-- functions use BEGIN ATOMIC bodies or qualified names so that no search_path
-- setting can redirect them.

COMMENT ON SCHEMA crm IS 'crm_ext: customer analytics (RFM, CLV models, churn, lifecycle)';

CREATE FUNCTION crm.extension_version()
RETURNS text
AS 'MODULE_PATHNAME', 'extension_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION crm.extension_version() IS
'version of the loaded crm_ext C library (compare with pg_extension.extversion after an upgrade)';
