#!/usr/bin/env bash
# The application role the API signs in as, and the job database it owns. The postgres image's entrypoint
# sources this once, on an empty data directory, while its temporary server listens on the socket only.
# As the AppHost's host-run server makes them (PostgreSQLApplicationRole): the role owns the database, so
# its migrations create and change tables there, and may do nothing else (no superuser, no new databases
# or roles). Names and password come from the Secret through the environment; psql's :"name" and
# :'value' quote them, so nothing in them is read as SQL.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --no-password --no-psqlrc \
  --set role="$VIDEOCONVERSION_USER" --set password="$VIDEOCONVERSION_PASSWORD" \
  --set database="$VIDEOCONVERSION_DATABASE" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
-- Only its owner connects to it: a role added later gets nothing by default.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL

# The superuser never signs in over TCP, even with its password (which the image insists on): first match
# wins in pg_hba.conf, and an operator's `kubectl exec … psql` comes over the socket, which stays open to it.
sed -i "1i host all $POSTGRES_USER all reject" "$PGDATA/pg_hba.conf"
