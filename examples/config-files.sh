#!/bin/sh
# Which configuration files does a daemon read? Run it under fwatch-run for
# a moment, then list the files it touched under the configuration trees.
#
# Usage: examples/config-files.sh [COMMAND [ARG...]]
# Without a command: dbus-daemon as a session bus, in the foreground, for
# one second (timeout stops it; its logs survive being killed).
set -eu
. "$(dirname "$0")/env.sh"

if [ $# -eq 0 ]; then
	if ! command -v dbus-daemon >/dev/null; then
		echo "$0: no dbus-daemon here: give a command, e.g. $0 ssh -G localhost" >&2
		exit 2
	fi
	set -- timeout 1 dbus-daemon --session --nofork --print-address=1
fi
# The daemon's own exit status (124 when timeout stopped it) is no error here.
fwatch-run -o "$logs" "$@" >/dev/null || true

# -v: what was done to each path; "-" is a lookup that failed (a file the
# daemon would read if it were there). The shared objects it maps are
# left out (-e '!%load').
echo "== what it touched under /etc, /usr/share, /usr/local and $HOME:"
fwatch-summary --files -v -e '!%load' -P /etc -P /usr/share -P /usr/local -P "$HOME" "$logs"
echo "== logs: $logs"
