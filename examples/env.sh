# Sourced by the example scripts: puts fwatch-run and fwatch-summary on
# PATH, from the build tree next to these examples when there is one (set
# FWATCH_BUILD to use another), else as installed.
here=$(cd "$(dirname "$0")" && pwd)
bin=${FWATCH_BUILD:-$here/../build}
if [ -x "$bin/fwatch-run" ] && [ -x "$bin/fwatch-summary" ]; then
	PATH=$(cd "$bin" && pwd):$PATH
fi
if ! command -v fwatch-run >/dev/null || ! command -v fwatch-summary >/dev/null; then
	echo "$0: fwatch-run and fwatch-summary not found: run make, or set FWATCH_BUILD" >&2
	exit 2
fi
# One fresh directory for the logs of the example, kept for exploring.
logs=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-example.XXXXXX") || exit 2
