#!/usr/bin/env bash
# Starts the test server pair with demo mail on free loopback ports and shows
# it answering real clients (curl over IMAP and POP3), then stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
mailferry=${MAILFERRY:-build/bin/mailferry}

out=$(mktemp)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$out"' EXIT
"$mailferry" testserver --seed-demo --imap 127.0.0.1:0 --pop3 127.0.0.1:0 >"$out" &
server=$!
for _ in $(seq 1 100); do
    grep -q '^ready' "$out" && break
    kill -0 "$server" 2>/dev/null || { echo "the test server did not start" >&2; exit 1; }
    sleep 0.1
done
grep -q '^ready' "$out" || { echo "the test server did not become ready within 10 s" >&2; exit 1; }
cat "$out"
imap=$(sed -n 's/^imap listening on \(.*\)$/\1/p' "$out")
pop3=$(sed -n 's/^pop3 listening on \(.*\)$/\1/p' "$out")

echo
echo "== curl: alice's IMAP folders (LIST \"\" *)"
curl -sS --user alice:alice-pw "imap://$imap/"
echo
echo "== curl: the headers of message 1 in alice's INBOX"
curl -sS --user alice:alice-pw "imap://$imap/INBOX;UID=1;SECTION=HEADER.FIELDS%20(FROM%20SUBJECT%20DATE)"
echo "== curl: bob's POP3 maildrop (LIST)"
curl -sS --user bob:bob-pw "pop3://$pop3/"
echo
echo "The test server answered over IMAP and POP3. Try it yourself with:"
echo "  $mailferry testserver --seed-demo"
