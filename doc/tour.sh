#!/usr/bin/env bash
# doc/tour.sh: regenerate the README's tour and reference.
#
# Same set-up as the demo (packages, build, throwaway server), then runs
# doc/tour.sql echoing every statement (the tour transcript) and
# doc/reference.sql (the reference tables, from the catalog's comments).
# Writes doc/tour.out and doc/reference.md; paste them into README.md.
set -eu
. "$(dirname "$0")/../test/lib.sh"

crm_ensure_packages
crm_build
crm_start_cluster
crm_psql -d postgres -q -c 'CREATE DATABASE tour'
crm_psql -d tour -a -f "$CRM_REPO/doc/tour.sql" > "$CRM_REPO/doc/tour.out" 2>&1
crm_psql -d tour -At -f "$CRM_REPO/doc/reference.sql" > "$CRM_REPO/doc/reference.md"
crm_log "wrote doc/tour.out and doc/reference.md"
