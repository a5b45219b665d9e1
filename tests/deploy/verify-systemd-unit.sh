#!/usr/bin/env bash
# lint.systemd_unit: `systemd-analyze verify` finds nothing to say about
# contrib/deploy/systemd/mailferry.service.
#
# verify checks that the programs of the Exec*= lines exist and that the
# Documentation= man page resolves, so it runs on a copy whose Exec*= lines
# name the built binary instead of /usr/bin/mailferry (and this machine's
# kill, when it has no /bin/kill), with MANPATH pointing at the project's
# page. The copy must differ from the original in those paths only. verify exits 0 on
# many problems (an unknown setting, a bad value), so any output fails.
#
# Usage: verify-systemd-unit.sh UNIT MAILFERRY_BINARY MAN_PAGE
set -euo pipefail

unit=$1 binary=$2 manpage=$3
start='ExecStart=/usr/bin/mailferry daemon --config /etc/mailferry/config.toml'
reload='ExecReload=/bin/kill -HUP $MAINPID'

for line in "$start" "$reload"; do
    if ! grep -qxF "$line" "$unit"; then
        echo "FAIL: $unit lacks the line: $line"
        exit 1
    fi
done

kill_binary=/bin/kill
[ -x "$kill_binary" ] || kill_binary=$(type -P kill)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/system" "$tmp/man/man1"
ln -s "$(realpath "$manpage")" "$tmp/man/man1/mailferry.1"
copy="$tmp/system/mailferry.service"
sed -e "s|^\(Exec[A-Za-z]*=\)/usr/bin/mailferry |\1$binary |" \
    -e "s|^ExecReload=/bin/kill |ExecReload=$kill_binary |" "$unit" >"$copy"

grep -qxF "ExecStart=$binary daemon --config /etc/mailferry/config.toml" "$copy" ||
    { echo "FAIL: the copy's ExecStart= does not name $binary"; exit 1; }
# Undoing the two substitutions must give the original back, byte for byte.
if ! sed -e "s|^\(Exec[A-Za-z]*=\)$binary |\1/usr/bin/mailferry |" \
    -e "s|^ExecReload=$kill_binary |ExecReload=/bin/kill |" "$copy" | cmp -s - "$unit"; then
    echo "FAIL: the verified copy differs from $unit in more than the program paths:"
    diff "$unit" "$copy" || true
    exit 1
fi

status=0
output=$(MANPATH="$tmp/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$copy" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    echo "FAIL: systemd-analyze verify (exit $status):"
    printf '%s\n' "$output"
    exit 1
fi
echo "OK: systemd-analyze verify has nothing to say about $unit"
