#!/bin/sh
# run-config-tests.sh - golden tests of director's config parser (TAP).
#
# Usage: run-config-tests.sh [--regen]
#
# Environment:
#   DIRECTOR      the director binary (default: ../../director relative to
#                 this script)
#   CONFIG_TESTS  the tests/config directory (default: this script's own
#                 directory)
#
# The script cd's into CONFIG_TESTS, so file names in messages read
# "bad/NN-name.conf:LINE: ...". For each case:
#   bad/X.conf    `director -t -f bad/X.conf` exits 1, prints nothing on
#                 stdout, and its stderr is exactly bad/X.err.
#   good/X.conf   `-t` prints "configuration OK"; `-p` prints exactly
#                 good/X.golden; the printed text does not name the file;
#                 and the printed text, saved to a temp file, prints back
#                 to itself (the canonical form is a fixed point).
# plus one test that etc/director.conf (../../etc from CONFIG_TESTS) is OK.
#
# Nothing is written under CONFIG_TESTS (it may be a read-only source tree,
# as under make distcheck): scratch files go to a private directory under
# ${TMPDIR:-/tmp}, removed on exit.
#
# --regen (for developers, after a deliberate change of a message or of
# the canonical form): rewrites every bad/X.err and good/X.golden from the
# current binary instead of testing, and lists the files that changed.
# Review the result with `git diff tests/config` before committing.

here=$(cd "$(dirname "$0")" && pwd) || exit 99

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*/*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	*) printf '%s\n' "$1" ;;		# a bare name: looked up in PATH
	esac
}

DIRECTOR=$(abspath "${DIRECTOR:-$here/../../director}")
CONFIG_TESTS=${CONFIG_TESTS:-$here}
case $CONFIG_TESTS in /*) ;; *) CONFIG_TESTS=$(pwd)/$CONFIG_TESTS ;; esac

regen=false
case ${1-} in
--regen) regen=true ;;
"") ;;
*) echo "usage: $0 [--regen]" >&2; exit 2 ;;
esac

cd "$CONFIG_TESTS" || { echo "Bail out! cannot cd to $CONFIG_TESTS"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/director-cfgtests.XXXXXX") ||
    { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' HUP INT TERM

if [ ! -x "$DIRECTOR" ] && ! command -v "$DIRECTOR" >/dev/null 2>&1; then
	echo "Bail out! no director binary at $DIRECTOR (set DIRECTOR)"
	exit 1
fi

if $regen; then
	changed=0
	regen_one() {	# regen_one TARGET OUTPUT-FILE
		if [ ! -f "$1" ] || ! cmp -s "$2" "$1"; then
			cp "$2" "$1" && echo "regenerated $1"
			changed=$((changed + 1))
		fi
	}
	for conf in bad/*.conf; do
		[ -f "$conf" ] || continue
		"$DIRECTOR" -t -f "$conf" >/dev/null 2>"$tmp/err"
		rc=$?
		[ "$rc" -eq 1 ] || echo "warning: $conf: exit status $rc, not 1" >&2
		regen_one "${conf%.conf}.err" "$tmp/err"
	done
	for conf in good/*.conf; do
		[ -f "$conf" ] || continue
		if ! "$DIRECTOR" -p -f "$conf" >"$tmp/out" 2>"$tmp/err"; then
			echo "warning: $conf does not parse:" >&2
			cat "$tmp/err" >&2
			continue
		fi
		regen_one "${conf%.conf}.golden" "$tmp/out"
	done
	echo "$changed file(s) changed"
	exit 0
fi

# Count the tests first: TAP wants the plan before the results.
nbad=0; ngood=0
for conf in bad/*.conf; do [ -f "$conf" ] && nbad=$((nbad + 1)); done
for conf in good/*.conf; do [ -f "$conf" ] && ngood=$((ngood + 1)); done
echo "1..$((nbad + ngood * 4 + 1))"

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {	# not_ok NAME [FILE-WITH-DETAILS]
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -n "${2-}" ] && [ -s "$2" ]; then
		sed 's/^/# /' "$2"
	fi
}

# same EXPECTED-FILE ACTUAL-FILE: true if equal; else leaves a diff in
# $tmp/diff.
same() {
	if [ ! -f "$1" ]; then
		echo "$1 is missing (run $0 --regen to create it)" >"$tmp/diff"
		return 1
	fi
	cmp -s "$1" "$2" && return 0
	diff -u "$1" "$2" >"$tmp/diff" 2>&1
	return 1
}

for conf in bad/*.conf; do
	[ -f "$conf" ] || continue
	name=${conf%.conf}
	"$DIRECTOR" -t -f "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		{ echo "exit status $rc, expected 1"; cat "$tmp/out" "$tmp/err"; } \
		    >"$tmp/diff"
		not_ok "$name: rejected" "$tmp/diff"
	elif [ -s "$tmp/out" ]; then
		{ echo "unexpected output on stdout:"; cat "$tmp/out"; } \
		    >"$tmp/diff"
		not_ok "$name: rejected" "$tmp/diff"
	elif ! same "$name.err" "$tmp/err"; then
		not_ok "$name: rejected with the expected messages" "$tmp/diff"
	else
		ok "$name: rejected with the expected messages"
	fi
done

for conf in good/*.conf; do
	[ -f "$conf" ] || continue
	name=${conf%.conf}
	base=${conf##*/}

	# 1. -t accepts it.
	"$DIRECTOR" -t -f "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	echo "configuration OK" >"$tmp/want"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] &&
	    cmp -s "$tmp/want" "$tmp/out"; then
		ok "$name: configuration OK"
	else
		{ echo "exit status $rc"; cat "$tmp/out" "$tmp/err"; } \
		    >"$tmp/diff"
		not_ok "$name: configuration OK" "$tmp/diff"
	fi

	# 2. -p prints the golden text.
	"$DIRECTOR" -p -f "$conf" >"$tmp/print" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		{ echo "-p: exit status $rc"; cat "$tmp/err"; } >"$tmp/diff"
		not_ok "$name: canonical print matches $name.golden" \
		    "$tmp/diff"
	elif same "$name.golden" "$tmp/print"; then
		ok "$name: canonical print matches $name.golden"
	else
		not_ok "$name: canonical print matches $name.golden" \
		    "$tmp/diff"
	fi

	# 3. The canonical print does not depend on where the file was.
	if grep -n -F -e "$base" -e "$CONFIG_TESTS" "$tmp/print" \
	    >"$tmp/hits" 2>&1; then
		{ echo "the canonical print names the file:"; cat "$tmp/hits"; } \
		    >"$tmp/diff"
		not_ok "$name: canonical print does not name the file" \
		    "$tmp/diff"
	else
		ok "$name: canonical print does not name the file"
	fi

	# 4. The canonical print parses back to itself.
	cp "$tmp/print" "$tmp/reparse.conf"
	"$DIRECTOR" -p -f "$tmp/reparse.conf" >"$tmp/print2" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		{ echo "-p of the printed config: exit status $rc";
		  cat "$tmp/err"; } >"$tmp/diff"
		not_ok "$name: canonical print parses back to itself" \
		    "$tmp/diff"
	elif same "$tmp/print" "$tmp/print2"; then
		ok "$name: canonical print parses back to itself"
	else
		not_ok "$name: canonical print parses back to itself" \
		    "$tmp/diff"
	fi
done

example=../../etc/director.conf
"$DIRECTOR" -t -f "$example" >"$tmp/out" 2>"$tmp/err"
rc=$?
echo "configuration OK" >"$tmp/want"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && cmp -s "$tmp/want" "$tmp/out"
then
	ok "etc/director.conf: configuration OK"
else
	{ echo "exit status $rc"; cat "$tmp/out" "$tmp/err"; } >"$tmp/diff"
	not_ok "etc/director.conf: configuration OK" "$tmp/diff"
fi

[ "$failed" -eq 0 ]
