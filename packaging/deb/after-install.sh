#!/bin/sh
# Runs as root after the .deb is installed (electron-builder deb.afterInstall). It replaces electron-builder's
# default script, so it repeats its two steps (command link, sandbox helper) before the kiosk's own.
# No brace-style variables here: electron-builder reads this file as a template.
set -e

APP_DIR='/opt/Returns Station'
BIN=returns-station-kiosk
RES="$APP_DIR/resources/packaging"

# A stable command path that survives updates (BUG-58); the systemd unit starts this one.
ln -sf "$APP_DIR/$BIN" "/usr/bin/$BIN"

# Chromium's sandbox uses user namespaces where the kernel allows them; only otherwise the setuid helper.
if unshare --user true 2>/dev/null; then
  chmod 0755 "$APP_DIR/chrome-sandbox" || true
else
  chmod 4755 "$APP_DIR/chrome-sandbox" || true
fi

# Device access through a group, never root: readers and scanners belong to `returns` (udev rules below).
getent group returns >/dev/null || groupadd --system returns
if ! getent passwd returns-kiosk >/dev/null; then
  useradd --system --gid returns --home-dir /var/lib/returns-station --no-create-home --shell /usr/sbin/nologin returns-kiosk
fi
for g in video render; do
  if getent group "$g" >/dev/null; then usermod --append --groups "$g" returns-kiosk; fi
done

install -D -m 0644 "$RES/udev/99-returns-station.rules" /usr/lib/udev/rules.d/99-returns-station.rules
if command -v udevadm >/dev/null 2>&1; then
  udevadm control --reload-rules || true
  udevadm trigger --subsystem-match=tty --subsystem-match=hidraw || true
fi

install -D -m 0644 "$RES/systemd/returns-station-kiosk.service" /usr/lib/systemd/system/returns-station-kiosk.service
install -d -m 0750 -g returns /etc/returns-station
if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi

# The service is not enabled here: it takes over tty1. `systemctl enable --now returns-station-kiosk` does.
exit 0
