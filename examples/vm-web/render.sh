#!/bin/sh
# Renders /site/index.html. The start count lives on the volume, so it
# grows by one each time the app starts (after a reboot too).
set -eu
echo start >> /site/starts
starts=$(wc -l < /site/starts)
volume=$(awk '$2 == "/site" { print $1 }' /proc/mounts)
token=/run/secrets/api_token
cat > /site/index.html.tmp <<PAGE
greeting: $GREETING
starts: $starts
volume: $volume
secret: mode $(stat -c %a "$token"), $(wc -c < "$token") bytes
PAGE
mv /site/index.html.tmp /site/index.html
