#!/usr/bin/env bash
# First-start initialisation of the postgres:15 image (mounted into
# /docker-entrypoint-initdb.d; runs once, on an empty data directory).
# Same result as as_db_setup in scripts/lib.sh: the database, one LOGIN role
# per service with rights on its own schema only.
#
# Passwords come from the environment of the postgres container:
#   AFTERSALES_DB            database name (default aftersales)
#   AFTERSALES_<SVC>_DB_PASSWORD   e.g. AFTERSALES_INTAKE_DB_PASSWORD
# A missing password falls back to "<svc>-dev": for local development only.
# The image runs this as the postgres user against its local socket, with
# POSTGRES_USER naming the superuser.
set -euo pipefail

db=${AFTERSALES_DB:-aftersales}
admin=${POSTGRES_USER:-postgres}

psql -q -v ON_ERROR_STOP=1 --username "$admin" --dbname postgres -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL

for svc in intake dispatch inventory billing survey; do
  var="AFTERSALES_${svc^^}_DB_PASSWORD"
  password=${!var:-$svc-dev}
  psql -q -v ON_ERROR_STOP=1 --username "$admin" --dbname "$db" \
       -v db="$db" -v svc="$svc" -v role="aftersales_$svc" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'role') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'svc', :'role') \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', :'svc') \gexec
SQL
done

psql -q -v ON_ERROR_STOP=1 --username "$admin" --dbname "$db" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
