#!/bin/sh
# Runs as root after the .deb is removed. Configuration (/etc/returns-station) and data (/var/lib/returns-station)
# stay: they hold the station's database and outbox, which may still have events HQ has not confirmed.
set -e

case "$1" in
  remove|purge)
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now returns-station-kiosk.service 2>/dev/null || true; fi
    rm -f /usr/bin/returns-station-kiosk
    rm -f /usr/lib/udev/rules.d/99-returns-station.rules
    rm -f /usr/lib/systemd/system/returns-station-kiosk.service
    if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi
    if command -v udevadm >/dev/null 2>&1; then udevadm control --reload-rules || true; fi
    ;;
esac
exit 0
