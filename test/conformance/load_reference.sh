#!/usr/bin/env bash
# test/conformance/load_reference.sh SHARED_DIR
#
# Loads ../shared (data and reference outputs) into schema "ref" of the
# database psql connects to (PG* environment), for the conformance checks:
#   ref.<csv name>          every CSV under reference/ and reference/hp/ (hp_ prefix),
#                           and data/*.csv, columns as text (cast in the checks)
#   ref.cdnow_transactions  data/CDNOW_sample.txt: cust_full, id, date (date),
#                           ncds, dollars (numeric)
#   ref.json(name, doc)     every JSON file, as jsonb (name = path under shared/)
# Nothing is copied into the repository.
set -eu
shared=$1
psql_() { "${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_ -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS ref CASCADE' -c 'CREATE SCHEMA ref'

load_csv() {
	local file=$1 table=$2 header cols
	header=$(head -n 1 "$file" | tr -d '\r')
	cols=$(printf '%s' "$header" | awk -F, '{for (i = 1; i <= NF; i++) printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i}')
	psql_ -c "CREATE TABLE ref.$table ($cols)"
	# strip CR, add a final newline if missing, then COPY as CSV with header
	{ tr -d '\r' <"$file"; echo; } | grep -v '^$' |
		psql_ -c "\\copy ref.$table FROM pstdin WITH (FORMAT csv, HEADER true)"
}

for f in "$shared"/data/*.csv "$shared"/reference/*.csv; do
	[ -e "$f" ] || continue
	t=$(basename "$f" .csv | tr '.-' '__')
	load_csv "$f" "$t"
done
for f in "$shared"/reference/hp/*.csv; do
	[ -e "$f" ] || continue
	t=hp_$(basename "$f" .csv | tr '.-' '__')
	load_csv "$f" "$t"
done

psql_ -c "CREATE TABLE ref.cdnow_transactions (cust_full int, id int, date date, ncds int, dollars numeric)"
tr -d '\r' <"$shared/data/CDNOW_sample.txt" | awk 'NF == 5 {print $1 "," $2 "," $3 "," $4 "," $5}' |
	psql_ -c "\\copy ref.cdnow_transactions FROM pstdin WITH (FORMAT csv)"

psql_ -c "CREATE TABLE ref.json (name text PRIMARY KEY, doc jsonb)"
find -L "$shared" -name '*.json' | sort | while read -r f; do
	name=${f#"$shared"/}
	{
		printf 'INSERT INTO ref.json VALUES (%s, $crm_json$' "'$name'"
		cat "$f"
		printf '$crm_json$);\n'
	} | psql_
done
psql_ -At -c "SELECT 'loaded ' || count(*) || ' reference tables' FROM pg_tables WHERE schemaname = 'ref'" >&2
