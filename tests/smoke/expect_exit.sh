#!/bin/sh
# Usage: expect_exit.sh EXIT [--match ERE]... -- COMMAND [ARG]...
# Runs COMMAND, prints what it printed (stdout and stderr), and fails unless
# it exited with exactly EXIT and its output has a line matching every ERE.
# ctest's WILL_FAIL passes on any non-zero status and PASS_REGULAR_EXPRESSION
# ignores the status, so a smoke test of an exit status needs this.
want=$1
shift
patterns=
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    if [ "$1" != "--match" ] || [ "$#" -lt 2 ]; then
        echo "usage: expect_exit.sh EXIT [--match ERE]... -- COMMAND [ARG]..." >&2
        exit 2
    fi
    patterns="$patterns
$2"
    shift 2
done
[ "$#" -gt 1 ] || { echo "expect_exit.sh: no command after --" >&2; exit 2; }
shift
out=$("$@" 2>&1)
code=$?
printf '%s\n' "$out"
status=0
if [ "$code" -ne "$want" ]; then
    echo "FAIL: exit status $code, expected $want"
    status=1
fi
if ! printf '%s\n' "$patterns" | {
    missing=0
    while IFS= read -r pattern; do
        [ -n "$pattern" ] || continue
        if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
            echo "FAIL: no line matches: $pattern"
            missing=1
        fi
    done
    [ "$missing" -eq 0 ]
}; then
    status=1
fi
exit "$status"
