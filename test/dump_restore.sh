#!/usr/bin/env bash
# test/dump_restore.sh: pg_dump keeps crm_ext's rows.
#
# Run by test/check.sh against its throwaway server (PGHOST, PGPORT, PGUSER
# and PG_BINDIR set; the extension installed there).  Fills a database with
# demo data, own-id rows and changed settings, dumps it (custom and plain
# format), restores each into a fresh database and compares row counts and
# contents table by table and the identity sequences; then inserts new rows
# (the sequences continue: no duplicate keys), checks that the restored
# database is guarded too, and that pg_restore --clean over data is refused
# unless crm.allow_drop_with_data is on.  Prints "ok - ..." / "not ok - ..."
# lines; exit status 1 if any check failed.
set -eu

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/crm_dump.XXXXXX")
chmod 755 "$work"
src=crm_dump_src
dbs="$src crm_dump_custom crm_dump_plain"
failures=0

psql_() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# one value from a query
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

cleanup() {
	local db
	for db in $dbs; do
		psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	done
	psql_ -d postgres -c "DROP ROLE IF EXISTS crm_dump_reader" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

for db in $dbs; do
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" 2>&1 | grep -v NOTICE || true
done
psql_ -d postgres -c "CREATE DATABASE $src"
psql_ -d postgres -c "DROP ROLE IF EXISTS crm_dump_reader" -c "CREATE ROLE crm_dump_reader" 2>&1 | grep -v NOTICE || true

# --- the source: demo data, rows with own ids, changed and added settings
psql_ -d "$src" -o /dev/null <<'SQL' || { not_ok "filling the source database"; exit 1; }
CREATE EXTENSION crm_ext;
SELECT * FROM crm.generate_demo_data(2000, 11);
-- a user-supplied id far above the identity sequence, and an idempotent load
INSERT INTO crm.customers (customer_id, external_ref, name, country, attributes)
VALUES (900000, 'OWN-1', 'Own Id', 'NL', '{"vip": true}');
INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount, source, external_id, note)
VALUES (900000, '2024-12-24 18:00+00', 'purchase', 99.99, 'pos', 'R-1', 'tab	and "quotes"\n');
UPDATE crm.settings SET value = '7' WHERE name = 'demo.seed';
INSERT INTO crm.settings (name, value, description) VALUES ('demo.extra', 'x', 'added by a user');
-- a grant and row-level security set up by the user (README recipe)
GRANT SELECT ON crm.customers TO crm_dump_reader;
ALTER TABLE crm.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY dump_region ON crm.customers FOR SELECT TO crm_dump_reader USING (country = 'NL');
-- fitted models and a fit state kept in a user's table (their text forms
-- must round-trip through the dump exactly)
CREATE TABLE public.user_models (name text PRIMARY KEY, sbg crm.sbg, pnbd crm.pareto_nbd, state crm.fit_state);
INSERT INTO public.user_models
SELECT 'demo', (SELECT crm.fit_sbg(p, p < 4) FROM generate_series(1, 8) p),
	crm.pareto_nbd(0.55, 10.58, 0.61, 11.67),
	(SELECT crm.fit_sbg_sfunc(crm.fit_sbg_sfunc(NULL, 3, true), 5, false));
-- segment rules: an edited default and a rule of one's own
UPDATE crm.rfm_segments SET f_min = 4 WHERE name = 'Can''t Lose Them';
INSERT INTO crm.rfm_segments (name, priority, m_min, description) VALUES ('Big Spenders', 1, 5, 'added');
SQL

# digest of a table: row count and md5 of all rows in key order
digest() {
	local db=$1
	val "$db" "
		SELECT 'customers ' || count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM crm.customers t;
	"
	val "$db" "
		SELECT 'interactions ' || count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY interaction_id)) FROM crm.interactions t;
	"
	val "$db" "
		SELECT 'settings ' || count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY name)) FROM crm.settings t;
	"
	val "$db" "
		SELECT 'rfm_segments ' || count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY name)) FROM crm.rfm_segments t;
	"
	val "$db" "
		SELECT 'sequences ' || (SELECT last_value || '/' || is_called FROM crm.customers_customer_id_seq)
			|| ' ' || (SELECT last_value || '/' || is_called FROM crm.interactions_interaction_id_seq);
	"
	# the user's grant on an extension table
	val "$db" "SELECT 'grants ' || coalesce(relacl::text, '') FROM pg_class WHERE oid = 'crm.customers'::regclass"
	# the user's fitted models: exact text, and predictions made with them
	val "$db" "
		SELECT 'user_models ' || count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY name))
			|| ' ' || round(crm.survival((min(sbg::text))::crm.sbg, 3)::numeric, 12)
			|| ' ' || round(crm.p_alive((min(pnbd::text))::crm.pareto_nbd, 2, 30, 39)::numeric, 12)
			|| ' ' || (SELECT (crm.fit_state_info(state)).patterns FROM public.user_models LIMIT 1)
		FROM public.user_models t;
	"
	# every other table of schema crm (the model store and what comes later)
	val "$db" "
		SELECT 'table:' || c.oid::regclass FROM pg_class c
		WHERE c.relnamespace = 'crm'::regnamespace AND c.relkind IN ('r', 'p')
			AND c.relname NOT IN ('customers', 'interactions', 'settings', 'rfm_segments')
		ORDER BY 1;
	" | while read -r t; do
		val "$db" "SELECT '$t ' || count(*) || ' ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${t#table:} x"
	done
	# every view of schema crm answers, with the same rows (materialised
	# views are derived data: crm.refresh fills them again after a restore)
	val "$db" "
		SELECT 'view:' || c.oid::regclass FROM pg_class c
		WHERE c.relnamespace = 'crm'::regnamespace AND c.relkind = 'v'
		ORDER BY 1;
	" | while read -r v; do
		val "$db" "SELECT '$v ' || count(*) || ' ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${v#view:} x" 2>&1 |
			tr '\n' ' ' | sed 's/ $//'
		echo
	done
}
digest "$src" >"$work/src.digest"

# compare a restored database with the source, then use it
verify() {
	local label=$1 db=$2 line got
	digest "$db" >"$work/$db.digest"
	while read -r line; do
		local table=${line%% *} what
		case $table in
			sequences) what="identity sequence positions equal ($(echo "$line" | cut -d' ' -f2-))" ;;
			user_models) what="fitted models and fit states in a user's table equal, predictions equal" ;;
			grants) what="the user's grant on crm.customers kept" ;;
			table:*) what="${table#table:} rows equal ($(echo "$line" | cut -d' ' -f2) rows)" ;;
			view:*) what="view ${table#view:} answers with the same rows ($(echo "$line" | cut -d' ' -f2) rows)" ;;
			*) what="crm.$table rows equal ($(echo "$line" | cut -d' ' -f2) rows)" ;;
		esac
		got=$(grep "^$table " "$work/$db.digest" || true)
		case $line in
			*ERROR*) not_ok "$label: $what: the query fails: $line"; continue ;;
		esac
		check "$label: $what" "$got" "$line"
	done <"$work/src.digest"
	check "$label: the edited default kept, the added setting kept, no duplicates" \
		"$(val "$db" "SELECT string_agg(name || '=' || value || ':' || is_default, ' ' ORDER BY name) FROM crm.settings WHERE name LIKE 'demo.%'")" \
		"demo.customers=20000:true demo.extra=x:false demo.seed=7:false"
	# row-level security and policies of extension tables: pg_dump (15)
	# does not dump them; say so loudly (README: re-apply them after a restore)
	got=$(val "$db" "SELECT relrowsecurity || ' ' || (SELECT count(*) FROM pg_policy WHERE polrelid = 'crm.customers'::regclass)
		FROM pg_class WHERE oid = 'crm.customers'::regclass")
	if [ "$got" = "true 1" ]; then
		ok "$label: row-level security and the policy on crm.customers kept"
	else
		echo "# WARNING: $("$bindir/pg_dump" --version) did not keep ENABLE ROW LEVEL SECURITY and the policies of extension table crm.customers (got '$got'): re-apply them after a restore"
		ok "$label: row-level security and the policy on crm.customers kept # SKIP pg_dump does not dump them for extension tables (documented)"
	fi
	check "$label: the event trigger is back and enabled always" \
		"$(val "$db" "SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'crm_ext_drop_guard'")" "A"
	# new rows: identity values continue after the restored ones (the
	# subqueries in RETURNING do not see the new row; 900000 was user-supplied)
	if got=$(val "$db" "
		INSERT INTO crm.customers (external_ref) VALUES ('NEW-1')
		RETURNING customer_id > (SELECT max(customer_id) FROM crm.customers WHERE customer_id < 900000);
	" 2>&1); then
		check "$label: a new customer gets a fresh id" "$got" "t"
	else
		not_ok "$label: a new customer gets a fresh id: $got"
	fi
	if got=$(val "$db" "
		INSERT INTO crm.interactions (customer_id, occurred_at, kind, amount)
		SELECT customer_id, '2024-12-31 12:00+00', 'purchase', 5 FROM crm.customers WHERE external_ref = 'NEW-1'
		RETURNING interaction_id > (SELECT max(interaction_id) FROM crm.interactions);
	" 2>&1); then
		check "$label: a new interaction gets a fresh id" "$got" "t"
	else
		not_ok "$label: a new interaction gets a fresh id: $got"
	fi
	if got=$(psql_ -d "$db" -c "DROP EXTENSION crm_ext" 2>&1); then
		not_ok "$label: DROP EXTENSION is refused in the restored database (it went through)"
	else
		case $got in
			*"cannot drop extension crm_ext while its tables hold data"*)
				ok "$label: DROP EXTENSION is refused in the restored database" ;;
			*) not_ok "$label: DROP EXTENSION is refused in the restored database: $got" ;;
		esac
	fi
}

# --- custom format, pg_restore into a fresh database
if "$bindir/pg_dump" -Fc -d "$src" -f "$work/crm.dump" 2>"$work/dump.err"; then
	ok "pg_dump -Fc"
else
	not_ok "pg_dump -Fc: $(cat "$work/dump.err")"
fi
psql_ -d postgres -c "CREATE DATABASE crm_dump_custom"
if "$bindir/pg_restore" --exit-on-error -d crm_dump_custom "$work/crm.dump" 2>"$work/restore.err"; then
	ok "pg_restore of the custom-format dump without errors"
	verify "custom format" crm_dump_custom
else
	not_ok "pg_restore of the custom-format dump: $(head -5 "$work/restore.err")"
fi

# --- plain format, psql -v ON_ERROR_STOP=1 into a fresh database
if "$bindir/pg_dump" -Fp -d "$src" -f "$work/crm.sql" 2>"$work/dump.err"; then
	ok "pg_dump -Fp"
else
	not_ok "pg_dump -Fp: $(cat "$work/dump.err")"
fi
psql_ -d postgres -c "CREATE DATABASE crm_dump_plain"
if "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d crm_dump_plain -f "$work/crm.sql" >"$work/plain.out" 2>&1; then
	ok "psql -v ON_ERROR_STOP=1 -f of the plain dump without errors"
	verify "plain format" crm_dump_plain
else
	not_ok "psql -f of the plain dump: $(grep -m 5 ERROR "$work/plain.out")"
fi

# --- pg_restore --clean over a database with rows: its DROP EXTENSION is
# refused; with crm.allow_drop_with_data = on the restore replaces the data
if "$bindir/pg_restore" --clean --if-exists --exit-on-error -d crm_dump_custom "$work/crm.dump" \
	>"$work/clean.out" 2>&1; then
	not_ok "pg_restore --clean over rows is refused by the guard (it went through)"
else
	if grep -q "cannot drop extension crm_ext while its tables hold data" "$work/clean.out"; then
		ok "pg_restore --clean over rows is refused by the guard"
	else
		not_ok "pg_restore --clean over rows is refused by the guard: $(head -5 "$work/clean.out")"
	fi
fi
if PGOPTIONS="-c crm.allow_drop_with_data=on" "$bindir/pg_restore" --clean --if-exists --exit-on-error \
	-d crm_dump_custom "$work/crm.dump" >"$work/clean.out" 2>&1; then
	digest crm_dump_custom >"$work/clean.digest"
	check "pg_restore --clean with crm.allow_drop_with_data = on restores the dumped rows" \
		"$(md5sum <"$work/clean.digest")" "$(md5sum <"$work/src.digest")"
else
	not_ok "pg_restore --clean with crm.allow_drop_with_data = on: $(head -5 "$work/clean.out")"
fi

[ "$failures" -eq 0 ]
