#!/bin/sh
# metrics-doc.sh - director(8) lists every metric src/core/metrics.c
# exports, no more, each with its type matching the source's "# TYPE"
# line; and the man pages are groff -ww clean. TAP.
#
# tests/topo/test_metrics.py compares the same list with a running
# daemon's scrape, labels included.

top=${SRCDIR:-$(dirname "$0")/../..}
man=$top/man/director.8
src=$top/src/core/metrics.c
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# "name type" from the man page: ".B name{labels}" then "type." under
# .SS Metrics.
sed -n '/^\.SS Metrics$/,/^\.S[SH] /p' "$man" |
    awk '/^\.B director_/ { n = $2; sub(/\{.*/, "", n); next }
	n != "" { t = $1; sub(/\.$/, "", t); print n, t; n = "" }' |
    sort -u >"$tmp/man"
# "name type" from the source's # TYPE lines.
grep -o '# TYPE director_[a-z_]* [a-z]*' "$src" | sed 's/^# TYPE //' |
    sort -u >"$tmp/src"

echo "1..3"
if [ -s "$tmp/man" ] && cmp -s "$tmp/man" "$tmp/src"; then
	echo "ok 1 - director(8) lists the $(wc -l <"$tmp/man") metrics" \
	    "of metrics.c with their types"
else
	echo "not ok 1 - director(8) and metrics.c differ (< man, > source)"
	diff "$tmp/man" "$tmp/src" | sed -n 's/^[<>]/# &/p'
fi
# Every series name the source prints has a # TYPE line.
grep -o '"director_[a-z_]*' "$src" | sed 's/^"//' | sort -u >"$tmp/series"
cut -d' ' -f1 "$tmp/src" >"$tmp/typed"
if cmp -s "$tmp/series" "$tmp/typed"; then
	echo "ok 2 - every series in metrics.c has a # TYPE line"
else
	echo "not ok 2 - series without a # TYPE line, or the reverse"
	diff "$tmp/typed" "$tmp/series" | sed -n 's/^[<>]/# &/p'
fi
if ! command -v groff >/dev/null 2>&1; then
	echo "ok 3 # SKIP groff is not installed"
elif out=$(for m in "$top"/man/*.[58]; do
	groff -ww -z -man "$m" 2>&1; done) && [ -z "$out" ]; then
	echo "ok 3 - groff -ww -z -man: no warnings"
else
	echo "not ok 3 - groff -ww -z -man warns"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
