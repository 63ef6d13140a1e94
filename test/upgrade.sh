#!/usr/bin/env bash
# test/upgrade.sh: ALTER EXTENSION crm_ext UPDATE from every installable older
# version keeps all data and ends with the same objects as a fresh install.
#
# Run by test/check.sh against its throwaway server (PGHOST, PGPORT, PGUSER
# and PG_BINDIR set; the extension installed there).  For each version the
# server can install that is older than default_version (that is, each
# crm_ext--V.sql kept in the repository, see "Releasing" in the README):
#   CREATE EXTENSION crm_ext VERSION 'V', fill it (demo data when that version
#   has crm.generate_demo_data, own rows and a changed setting), take a digest
#   of every table, ALTER EXTENSION crm_ext UPDATE, then check the version,
#   the digests (nothing lost or changed), and that the extension's objects
#   (members with their definitions, columns, comments, privileges) equal a
#   fresh CREATE EXTENSION of default_version.
# Also: each
# released install script listed in test/upgrade/released.txt is unchanged
# (released scripts are frozen).
# Prints "ok - ..." / "not ok - ..." lines; exit status 1 if a check failed.
set -eu

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crm_upgrade.XXXXXX")
failures=0
fresh=crm_upgrade_fresh

psql_() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
val() { psql_ -At -d "$1" -c "$2"; }
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
check() {
	local what=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what: got '$got', want '$want'"; fi
}
dbs="$fresh"
cleanup() {
	local db
	for db in $dbs; do
		psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The extension's objects, one line each, in a stable order: every member
# with its definition (functions, views, types, columns, constraints,
# indexes, triggers, policies), comment and privileges.  Two databases with
# equal text have the same extension objects.
signature() {
	psql_ -At -d "$1" <<'SQL'
SET search_path = pg_catalog;
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'crm_ext'),
mem AS (
	SELECT d.classid, d.objid FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
)
SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0)
	|| ' | ' || coalesce(obj_description(m.objid, c.relname::name), '-')
	|| ' | ' || coalesce(CASE m.classid
		WHEN 'pg_proc'::regclass THEN (SELECT pg_get_functiondef(m.objid) || ' acl=' || coalesce(proacl::text, '')
			FROM pg_proc WHERE oid = m.objid AND prokind IN ('f', 'p'))
			|| '' ELSE NULL END,
		CASE m.classid WHEN 'pg_proc'::regclass THEN (SELECT 'agg ' || pg_get_function_identity_arguments(m.objid)
			|| ' ' || a.aggtransfn || ' ' || a.aggfinalfn || ' ' || a.aggcombinefn || ' ' || a.aggserialfn || ' '
			|| a.aggdeserialfn || ' ' || a.aggtranstype::regtype || ' ' || coalesce(a.agginitval, '')
			|| ' ' || p.proparallel::text
			FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE a.aggfnoid = m.objid) END,
		CASE m.classid WHEN 'pg_class'::regclass THEN (SELECT r.relkind::text || ' ' || coalesce(r.reloptions::text, '')
			|| ' acl=' || coalesce(r.relacl::text, '') || ' rls=' || r.relrowsecurity
			|| coalesce(' view=' || pg_get_viewdef(r.oid), '') FROM pg_class r WHERE r.oid = m.objid) END,
		'')
FROM mem m JOIN pg_class c ON c.oid = m.classid
UNION ALL
-- columns (of tables, views and composite types) with types, defaults, comments
SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
	|| ' notnull=' || a.attnotnull || ' ident=' || a.attidentity::text || ' gen=' || a.attgenerated::text
	|| ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
	|| ' | ' || coalesce(col_description(a.attrelid, a.attnum), '-')
FROM pg_attribute a
JOIN pg_class r ON r.oid = a.attrelid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE r.relnamespace = 'crm'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'crm'::regnamespace
UNION ALL
SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relnamespace = 'crm'::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'crm'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'policy ' || polrelid::regclass || ' ' || polname || ' ' || coalesce(pg_get_expr(polqual, polrelid), '')
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = 'crm'::regnamespace
UNION ALL
SELECT 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtfoid::regproc || ' ' || coalesce(evttags::text, '') || ' ' || evtenabled::text
FROM pg_event_trigger
UNION ALL
SELECT 'enum ' || enumtypid::regtype || ' ' || string_agg(enumlabel::text, ',' ORDER BY enumsortorder)
FROM pg_enum WHERE enumtypid IN (SELECT oid FROM pg_type WHERE typnamespace = 'crm'::regnamespace) GROUP BY enumtypid
UNION ALL
SELECT 'schema acl ' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'crm'
ORDER BY 1;
SQL
}

# digest of every ordinary table of schema crm: name, row count, md5 of rows
digest() {
	psql_ -At -d "$1" <<'SQL'
DO $$
DECLARE
	t regclass;
	n bigint;
	h text;
BEGIN
	FOR t IN SELECT c.oid::regclass FROM pg_class c
		WHERE c.relnamespace = 'crm'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname
	LOOP
		EXECUTE format('SELECT count(*), md5(coalesce(string_agg(x::text, ''|'' ORDER BY x::text), '''')) FROM %s x', t)
			INTO n, h;
		RAISE NOTICE 'table % rows % md5 %', t, n, h;
	END LOOP;
END $$;
SQL
}

psql_ -d postgres -c "DROP DATABASE IF EXISTS $fresh" 2>&1 | grep -v NOTICE || true
psql_ -d postgres -c "CREATE DATABASE $fresh"
psql_ -d "$fresh" -c 'CREATE EXTENSION crm_ext'
# the installed scripts and control file (extension_destdir, as test/check.sh
# installs there, then SHAREDIR; pg_available_extension_versions does not
# look into extension_destdir)
extdir="$(val "$fresh" "SELECT current_setting('extension_destdir', true)")$("$bindir/pg_config" --sharedir)/extension"
[ -f "$extdir/crm_ext.control" ] || extdir="$("$bindir/pg_config" --sharedir)/extension"
default=$(sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" "$extdir/crm_ext.control")
check "fresh install is at default_version" "$(val "$fresh" "SELECT extversion FROM pg_extension WHERE extname = 'crm_ext'")" "$default"
signature "$fresh" >"$work/fresh.sig"
if [ -s "$work/fresh.sig" ]; then ok "object signature of a fresh install: $(wc -l <"$work/fresh.sig") lines"; else not_ok "object signature is empty"; fi

# the signature is stable: a second fresh install gives the same text
psql_ -d "$fresh" -c 'DROP EXTENSION crm_ext' -c 'CREATE EXTENSION crm_ext'
signature "$fresh" >"$work/fresh2.sig"
if cmp -s "$work/fresh.sig" "$work/fresh2.sig"; then
	ok "object signature is reproducible"
else
	not_ok "object signature differs between two fresh installs"
	diff "$work/fresh.sig" "$work/fresh2.sig" | head -20
fi

# released install scripts are frozen
released="$repo/test/upgrade/released.txt"
if [ -f "$released" ] && grep -qvE '^\s*(#|$)' "$released"; then
	while read -r ver sum; do
		case "$ver" in '' | '#'*) continue ;; esac
		f="$repo/crm_ext--$ver.sql"
		[ -f "$repo/sql/crm_ext--$ver.sql" ] && f="$repo/sql/crm_ext--$ver.sql"
		if [ ! -f "$f" ]; then
			not_ok "released script crm_ext--$ver.sql is missing from the repository"
		elif [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum" ]; then
			ok "released script crm_ext--$ver.sql is unchanged"
		else
			not_ok "released script crm_ext--$ver.sql was changed (released scripts are frozen: add an update script instead)"
		fi
	done <"$released"
else
	ok "no released version yet (test/upgrade/released.txt lists none) # SKIP frozen-script check"
fi

# every older installable version: update path, update, data kept, same objects
older=$(cd "$extdir" && ls crm_ext--*.sql 2>/dev/null | sed -n 's/^crm_ext--\([^-]*\)\.sql$/\1/p' |
	grep -vxF "$default" | sort -V || true)
if [ -z "$older" ]; then
	ok "no version older than $default is installable: nothing to update from yet # SKIP"
fi
# Update one older version: install it, fill it, update, compare.
upgrade_from() {
	local ver=$1 db
	db="crm_upgrade_$(echo "$ver" | tr -c '0-9a-zA-Z\n' '_')"
	dbs="$dbs $db"
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" 2>&1 | grep -v NOTICE || true
	psql_ -d postgres -c "CREATE DATABASE $db"
	if ! psql_ -d "$db" -c "CREATE EXTENSION crm_ext VERSION '$ver'"; then
		not_ok "CREATE EXTENSION crm_ext VERSION '$ver'"
		return
	fi
	psql_ -d "$db" -o /dev/null <<'SQL' || not_ok "filling version $ver"
DO $$
BEGIN
	IF to_regprocedure('crm.generate_demo_data(integer,bigint,timestamp with time zone,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision)') IS NOT NULL THEN
		PERFORM crm.generate_demo_data(300, 5);
	END IF;
END $$;
INSERT INTO crm.customers (customer_id, external_ref, name, country) VALUES (950000, 'UPG-1', 'Upgrade', 'DE');
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount) VALUES (950000, '2024-06-01', 'purchase', 12.5);
UPDATE crm.settings SET value = value || '' WHERE name = (SELECT min(name) FROM crm.settings);
SQL
	digest "$db" >"$work/before-$ver.digest" 2>&1
	if psql_ -d "$db" -c 'ALTER EXTENSION crm_ext UPDATE'; then
		ok "ALTER EXTENSION crm_ext UPDATE from $ver"
	else
		not_ok "ALTER EXTENSION crm_ext UPDATE from $ver failed"
		return
	fi
	check "version after the update from $ver" "$(val "$db" "SELECT extversion FROM pg_extension WHERE extname = 'crm_ext'")" "$default"
	digest "$db" >"$work/after-$ver.digest" 2>&1
	if cmp -s "$work/before-$ver.digest" "$work/after-$ver.digest"; then
		ok "every row kept by the update from $ver ($(grep -c table "$work/after-$ver.digest") tables)"
	else
		not_ok "rows changed by the update from $ver"
		diff "$work/before-$ver.digest" "$work/after-$ver.digest" | head -20
	fi
	signature "$db" >"$work/up-$ver.sig"
	if cmp -s "$work/fresh.sig" "$work/up-$ver.sig"; then
		ok "objects after the update from $ver equal a fresh install of $default"
	else
		not_ok "objects after the update from $ver differ from a fresh install of $default"
		diff "$work/fresh.sig" "$work/up-$ver.sig" | head -40
	fi
}

for ver in $older; do
	upgrade_from "$ver"
done

# Self-test of the machinery while there is no older release: a synthetic
# version 0.0.1 (the current script without one COMMENT) with a correct update
# script must pass, and with an update script that forgets the COMMENT must
# be caught.  Skipped when the extension directory is not writable.
if [ "${CRM_UPGRADE_SELFTEST:-1}" = 1 ] && [ -w "$extdir" ] && [ -f "$extdir/crm_ext--$default.sql" ]; then
	drop_comment="COMMENT ON FUNCTION crm.extension_version() IS"
	awk -v pat="$drop_comment" 'index($0, pat) == 1 { skip = 1; next } skip { skip = 0; next } { print }' \
		"$extdir/crm_ext--$default.sql" >"$extdir/crm_ext--0.0.1.sql"
	grep -A1 -F "$drop_comment" "$extdir/crm_ext--$default.sql" >"$extdir/crm_ext--0.0.1--$default.sql"
	saved_failures=$failures
	upgrade_from 0.0.1 >"$work/selftest-good.out" 2>&1 || true
	good_failures=$((failures - saved_failures))
	: >"$extdir/crm_ext--0.0.1--$default.sql"
	failures=$saved_failures
	upgrade_from 0.0.1 >"$work/selftest-bad.out" 2>&1 || true
	failures=$saved_failures
	rm -f "$extdir/crm_ext--0.0.1.sql" "$extdir/crm_ext--0.0.1--$default.sql"
	if [ "$good_failures" = 0 ] && grep -q '^ok - objects after the update from 0.0.1 equal' "$work/selftest-good.out"; then
		ok "self-test: a correct update script from a synthetic 0.0.1 passes ($(grep -c '^ok' "$work/selftest-good.out") checks)"
	else
		not_ok "self-test: a correct update script from a synthetic 0.0.1 failed"
		cat "$work/selftest-good.out"
	fi
	if grep -q '^not ok - objects after the update from 0.0.1 differ' "$work/selftest-bad.out" &&
		grep -q 'extension_version' "$work/selftest-bad.out"; then
		ok "self-test: an update script that forgets an object is caught"
	else
		not_ok "self-test: an incomplete update script was not caught"
		cat "$work/selftest-bad.out"
	fi
else
	ok "self-test of the update machinery # SKIP extension directory $extdir not writable"
fi

# the no-op update of the current version keeps everything too
psql_ -d "$fresh" -o /dev/null -c "INSERT INTO crm.customers (customer_id, external_ref, name) VALUES (950001, 'UPG-2', 'Same')"
digest "$fresh" >"$work/same-before.digest" 2>&1
psql_ -d "$fresh" -c 'ALTER EXTENSION crm_ext UPDATE' 2>&1 | grep -v NOTICE || true
digest "$fresh" >"$work/same-after.digest" 2>&1
signature "$fresh" >"$work/same.sig"
if cmp -s "$work/same-before.digest" "$work/same-after.digest" && cmp -s "$work/fresh.sig" "$work/same.sig"; then
	ok "ALTER EXTENSION crm_ext UPDATE at $default changes nothing"
else
	not_ok "ALTER EXTENSION crm_ext UPDATE at $default changed rows or objects"
fi

echo "# upgrade: $failures failures"
[ "$failures" -eq 0 ]
