#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 (installing it from Debian if missing)
# and makes sure role and database "shelf" exist, for the PostgreSQL half of
# `make test`. Listens on 127.0.0.1 only.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
	su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
	sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'shelf'\"" | grep -q 1 ||
	su postgres -c "psql -qc \"CREATE ROLE shelf LOGIN SUPERUSER PASSWORD 'shelf'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'shelf'\"" | grep -q 1 ||
	su postgres -c "psql -qc 'CREATE DATABASE shelf OWNER shelf'"
echo "PostgreSQL $version ready on 127.0.0.1:5432"
