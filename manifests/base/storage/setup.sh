#!/bin/sh
# Prepares MinIO for the services, idempotently: the buckets, one user per service limited by its
# policy (api-policy.json, worker-policy.json beside this script), and CORS for the upload page.
# Run by the storage-setup Job in Kubernetes and by the AppHost whenever it runs MinIO.
#
# Environment: STORAGE_URL (http://host:9000), ROOT_ACCESS_KEY, ROOT_SECRET_KEY, INPUT_BUCKET,
# OUTPUT_BUCKET, API_ACCESS_KEY, API_SECRET_KEY, WORKER_ACCESS_KEY, WORKER_SECRET_KEY;
# optional: NOTIFY_ARN (announces the input bucket's uploads to that notification target, which the
# server's MINIO_NOTIFY_* environment configures), WEB_ORIGIN (sets CORS), MC (the mc client, default "mc").
set -eu
case "$0" in */*) here="${0%/*}" ;; *) here=. ;; esac
here="$(cd "$here" && pwd)"
mc="${MC:-mc}"

# The root keys reach mc through the environment only: no alias file with them is written.
scheme="${STORAGE_URL%%://*}"
address="${STORAGE_URL#*://}"
export MC_HOST_store="$scheme://$ROOT_ACCESS_KEY:$ROOT_SECRET_KEY@$address"

# Storage gets 5 minutes to answer; then the step fails where it can be seen instead of hanging.
tries=0
until "$mc" ready store >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "storage at $STORAGE_URL did not answer within 5 minutes" >&2
    exit 1
  fi
  echo "waiting for storage at $STORAGE_URL"
  sleep 3
done

"$mc" mb --ignore-existing "store/$INPUT_BUCKET" "store/$OUTPUT_BUCKET"

# Each service's own user: the API signs uploads and reads results, the worker reads uploads and
# writes results. Neither may create buckets, change policies or touch the other's side.
grant() {
  service="$1" access_key="$2" secret_key="$3"
  policy="videoconversion-$service"
  "$mc" admin policy create store "$policy" "$here/$service-policy.json" >/dev/null
  # The secret goes in on stdin (mc reads it there when not given): never on a command line,
  # where any local user could read it.
  printf '%s\n' "$secret_key" | "$mc" admin user add store "$access_key" >/dev/null
  # Attaching a policy already attached is not an error for mc.
  "$mc" admin policy attach store "$policy" --user "$access_key" >/dev/null
  echo "user $access_key holds policy $policy"
}
grant api "$API_ACCESS_KEY" "$API_SECRET_KEY"
grant worker "$WORKER_ACCESS_KEY" "$WORKER_SECRET_KEY"

# Every upload is announced (bucket notification "put": every object created), so its job starts the moment
# it lands. Adding the same rule again is refused as a duplicate, hence --ignore-existing.
if [ -n "${NOTIFY_ARN:-}" ]; then
  "$mc" event add --ignore-existing --event put "store/$INPUT_BUCKET" "$NOTIFY_ARN" >/dev/null
  echo "uploads to $INPUT_BUCKET are announced to $NOTIFY_ARN"
fi

# Browsers upload from the page's origin straight to storage: allow that origin only. MinIO applies
# it on restart, so it restarts only when the setting changes (a restart cuts off transfers).
# (No grep: the MinIO image may not have it; a shell pattern does the same.)
if [ -n "${WEB_ORIGIN:-}" ]; then
  case "$("$mc" admin config get store api)" in
    *"cors_allow_origin=$WEB_ORIGIN"* | *"cors_allow_origin=\"$WEB_ORIGIN\""*) ;;
    *)
      "$mc" admin config set store api cors_allow_origin="$WEB_ORIGIN"
      "$mc" admin service restart store --json >/dev/null
      until "$mc" ready store >/dev/null 2>&1; do sleep 2; done
      ;;
  esac
fi
echo "buckets $INPUT_BUCKET and $OUTPUT_BUCKET ready${WEB_ORIGIN:+; CORS allows $WEB_ORIGIN}"
