#!/bin/sh
# Regenerate the status page every INTERVAL_SECONDS. Write to a temporary
# file and rename it, so nginx never serves a half-written page.
set -eu
interval="${INTERVAL_SECONDS:-60}"
while :; do
	{
		echo '<!doctype html><title>Status</title>'
		echo "<h1>Status of $(hostname)</h1>"
		echo "<p>Updated $(date -u '+%Y-%m-%d %H:%M:%S UTC')</p>"
		echo "<pre>$(uptime)</pre>"
	} >/site/.index.html.tmp
	mv /site/.index.html.tmp /site/index.html
	sleep "$interval"
done
