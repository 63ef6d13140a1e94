#!/usr/bin/env bash
# test/demo.sh: the README's demo command.
#
# On a fresh Debian 12 machine (root, or sudo): installs missing packages,
# builds, starts a throwaway PostgreSQL, creates the extension, generates
# demo customers and prints what crm_ext computes for them; then removes the
# server.  CRM_KEEP=1 leaves the server running to explore with psql.
#   CRM_DEMO_CUSTOMERS   number of demo customers (default 20000)

set -eu
. "$(dirname "$0")/lib.sh"

crm_ensure_packages
crm_build
crm_start_cluster
crm_psql -d postgres -v customers="${CRM_DEMO_CUSTOMERS:-20000}" -f "$CRM_REPO/test/demo.sql"
