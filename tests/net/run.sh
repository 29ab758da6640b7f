#!/bin/bash
# Sockets, on loopback only: the probe (tests/net/probe.c) listens, is
# connected to N times by its child, receives two datagrams, uses a
# path-named and an abstract Unix socket, is refused once and asks
# getaddrinfo("localhost"); fwatch must record each call once, with its
# addresses, ports and errors as the probe itself printed them, and as
# strace -f -e trace=%network saw them. Then IPv6 on ::1 (where the machine
# has it), python3 -m http.server answering a bounded loop of urllib
# requests (--net shows the listener and its connections, --files the files
# served), and fwatch-run -e %net.
#
# Usage: tests/net/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/net/probe tests/net/badaddr
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE=$B/tests/net/probe
unset LD_LIBRARY_PATH
umask 022
TO=(timeout -k 2 60)
W=$T

# --- the probe -----------------------------------------------------------------

N=5
mkdir -p "$W/fw" "$W/st"
"${TO[@]}" "$RUN" -o "$W/fw/logs" "$PROBE" $N "$W/fw" "$$" >"$W/fw/out" 2>"$W/fw/err"
check "the probe under fwatch: exit 0" "0" "$?"
PPID_=$(awk '$1 == "parent" { print $2; exit }' "$W/fw/out")
CPID=$(awk '$1 == "child" { print $2; exit }' "$W/fw/out")
"$SUM" --trace --csv "$W/fw/logs" >"$W/fw/trace.csv" 2>>"$W/fw/err"
"$SUM" --trace "$W/fw/logs" >"$W/fw/trace" 2>>"$W/fw/err"

# calls PID: "name=count" of every net row, the program's own calls
calls() {
	awk -F, -v p="$1" 'NR > 1 && $2 == p && $5 == "net" && $NF == "call" { n[$4]++ }
		END { split("socket socketpair connect bind listen accept accept4 getaddrinfo sendto sendmsg", c, " ")
		      for (i = 1; i <= 10; i++) printf "%s%s=%d", (i > 1 ? " " : ""), c[i], n[c[i]] }' "$W/fw/trace.csv"
}
check "parent: 8 sockets and a pair, 3 connects, 5 binds, 3 listens, N+1 accepts and an accept4, a getaddrinfo; the send loop unrecorded" \
	"socket=8 socketpair=1 connect=3 bind=5 listen=3 accept=$((N + 1)) accept4=1 getaddrinfo=1 sendto=0 sendmsg=0" \
	"$(calls "$PPID_")"
check "child: N+1 sockets, N connects, a sendto and a sendmsg with an address" \
	"socket=$((N + 1)) socketpair=0 connect=$N bind=0 listen=0 accept=0 accept4=0 getaddrinfo=0 sendto=1 sendmsg=1" \
	"$(calls "$CPID")"

LPORT=$(awk '$3 == "listen" { sub(/.*:/, "", $4); print $4 }' "$W/fw/out")
UPORT=$(awk '$3 == "udp" { sub(/.*:/, "", $4); print $4 }' "$W/fw/out")
RPORT=$(awk '$3 == "refused" { sub(/.*:/, "", $4); print $4 }' "$W/fw/out")
check "--trace: the child's connects, strace-style, to the listener's port" \
	"$(for i in $(seq $N); do echo "connect(5, {AF_INET, 127.0.0.1:$LPORT}) = 0"; done)" \
	"$(grep -o "$CPID connect(.*) = [-0-9]*" "$W/fw/trace" | sed "s/^$CPID //")"
check "--trace: the refused connect, with its errno" \
	"connect(6, {AF_INET, 127.0.0.1:$RPORT}) = -1 ECONNREFUSED (Connection refused)" \
	"$(grep -o "$PPID_ connect(6, {AF_INET.*refused)" "$W/fw/trace" | sed "s/^$PPID_ //")"
GAI=$(awk '$3 == "getaddrinfo" { print $6, $7 }' "$W/fw/out")
check "--trace: getaddrinfo's name, service and answer, as the probe got them" \
	"getaddrinfo(\"localhost\", \"80\") = 0 [{AF_INET, ${GAI#* }}] (${GAI% *} answers)" \
	"$(grep -o 'getaddrinfo(.*\]' "$W/fw/trace") ($(awk -F, '$4 == "getaddrinfo" { print "x" }' "$W/fw/trace.csv" | wc -l | awk -v n="${GAI% *}" '{ print n }') answers)"

# net DIR ARGS...: --net --csv, its fields split by "|", sorted
net() {
	local d=$1
	shift
	"$SUM" --net --csv "$@" "$d" | python3 -c 'import csv, sys
for r in list(csv.reader(sys.stdin))[1:]:
    print("|".join(r))' | sort
}
net "$W/fw/logs" >"$W/fw/net.csv"
# the peers the probe accepted, and the local ports its child connected from
peers=$(awk '$3 == "accept" { print $4 }' "$W/fw/out" | head -4 | paste -sd, -)
check "--net: the listener, bound on the port the probe printed, accepted N times from the child's ports" \
	"$PPID_|probe|3|TCPv4|127.0.0.1:$LPORT|*|bind listen accept x$N from $peers,+$((N - 4))|1" \
	"$(awk -F'|' -v p="$PPID_" '$1 == p && $3 == 3 && $4 == "TCPv4" { print $1"|"$2"|"$3"|"$4"|"$5"|"$6"|"$7"|"$10 }' "$W/fw/net.csv")"
check "--net: the child's N connections, local ports learned after connect" \
	"$(awk '$3 == "connect" { print $4 " -> " $6 }' "$W/fw/out" | sort)" \
	"$(awk -F'|' -v p="$CPID" '$1 == p && $4 == "TCPv4" && $7 == "connect" { print $5 " -> " $6 }' "$W/fw/net.csv")"
check "--net: the child's datagrams, sendto and sendmsg to the UDP port" \
	"UDPv4|*|127.0.0.1:$UPORT|sendto x2" \
	"$(awk -F'|' -v p="$CPID" '$1 == p && $4 == "UDPv4" { print $4"|"$5"|"$6"|"$7 }' "$W/fw/net.csv")"
# (a CSV field that begins with @ is written '@, for spreadsheets)
check "--net: the refused connect, the Unix sockets (path and abstract), getaddrinfo" \
	"$(printf '%s\n' "TCPv4|*|127.0.0.1:$RPORT|connect failed ECONNREFUSED" \
		"UNIX|$W/fw/sock|*|bind listen accept x1 from (unnamed)" \
		"UNIX|*|$W/fw/sock|connect" \
		"UNIX|'@fwatch-net-$$|*|bind listen accept x1 from (unnamed)" \
		"UNIX|*|'@fwatch-net-$$|connect" \
		"NAME|localhost:80|127.0.0.1:80|getaddrinfo ${GAI% *} answer$([ "${GAI% *}" = 1 ] || echo s)" | sort)" \
	"$(awk -F'|' -v p="$PPID_" '$1 == p && ($4 == "UNIX" && $7 != "socketpair" || $4 == "NAME" || $7 ~ /failed/) { print $4"|"$5"|"$6"|"$7 }' "$W/fw/net.csv" | sort)"
check "--net -U: only the Unix sockets (4 and a pair); -4: only IPv4 (4 and the child's 6); -6: none" \
	"6 10 0" \
	"$("$SUM" --net -U "$W/fw/logs" | awk 'NR > 1 && $4 ~ /^UNIX/' | wc -l) $("$SUM" --net -4 "$W/fw/logs" | awk 'NR > 1 && $4 ~ /v4$/' | wc -l) $("$SUM" --net -6 "$W/fw/logs" | awk 'NR > 1' | wc -l)"
check "--net --json: the same endpoints as --csv" \
	"$(wc -l <"$W/fw/net.csv")" \
	"$("$SUM" --net --json "$W/fw/logs" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')"
check "--open: the listener, the UDP socket and the pair left open, with their ends; the child's UDP socket" \
	"$PPID_ 3 <TCPv4 127.0.0.1:$LPORT (LISTEN)>
$PPID_ 4 <UDPv4 127.0.0.1:$UPORT>
$PPID_ 5 <UNIX>
$PPID_ 6 <UNIX>
$CPID 5 <UDPv4>" \
	"$("$SUM" --open "$W/fw/logs" | awk 'NR > 1 && $6 ~ /^</ { print $1, $3, substr($0, index($0, "<")) }')"
check "--files -v: the Unix socket's path, bound and connected to; -P selects it" \
	"2 connect,bind $W/fw/sock
$W/fw/sock" \
	"$("$SUM" --files -v "$W/fw/logs" | awk -v p="$W/fw/sock" '$NF == p { print $1, $3, $NF }')
$("$SUM" --files -P "$W/fw/sock" "$W/fw/logs")"
"$SUM" --perfetto "$W/fw/p.json" -p "$CPID" -e connect "$W/fw/logs"
check "--perfetto: the child's connects, each with the listener's address and its own port" \
	"$(awk '$3 == "connect" { print "connect", $6, $4 }' "$W/fw/out")" \
	"$(python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e.get("cat") == "net":
        print(e["name"], e["args"]["addr"], e["args"]["addr2"])' "$W/fw/p.json")"
check "-e %network is -e %net; the table counts the rows" \
	"$("$SUM" -e %net "$W/fw/logs" | awk '{ print $4, $NF }')" \
	"$("$SUM" -e %network "$W/fw/logs" | awk '{ print $4, $NF }')"
check "the table: N+1 connects, 1 of them failed" \
	"connect $((N + 3)) 1" \
	"$("$SUM" --csv -e connect "$W/fw/logs" | awk -F, '$1 == "connect" { print $1, $2, $3 }')"

if strace -f -qq -e trace=%network true >/dev/null 2>&1; then
	"${TO[@]}" strace -f -qq -e trace=%network -o "$W/st/strace" "$PROBE" $N "$W/st" "$$" >"$W/st/out" 2>&1
	check "as strace -f -e trace=%network sees them, call by call, parent and child" \
		"$(python3 "$HERE/norm.py" strace "$W/st/strace" "$W/st/out" "$W/st")" \
		"$(python3 "$HERE/norm.py" fw "$W/fw/trace.csv" "$W/fw/out" "$W/fw")"
else
	skip "as strace sees them (strace is not installed or cannot trace here)"
fi

# --- fwatch-run -e %net --------------------------------------------------------

mkdir -p "$W/only"
"${TO[@]}" "$RUN" -e %net -o "$W/only/logs" "$PROBE" 2 "$W/only" "$$" >/dev/null 2>&1
check "fwatch-run -e %net: only socket calls recorded" "net" \
	"$("$SUM" --trace --csv "$W/only/logs" | awk -F, 'NR > 1 { print $5 }' | sort -u)"

# --- IPv6 on ::1 ---------------------------------------------------------------

V6='
import socket
l = socket.socket(socket.AF_INET6)
l.bind(("::1", 0)); l.listen(1)
c = socket.socket(socket.AF_INET6); c.connect(l.getsockname()[:2])
a, peer = l.accept()
print(l.getsockname()[1], c.getsockname()[1], peer[1])
'
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	"${TO[@]}" "$RUN" -e %net -o "$W/v6" python3 -c "$V6" >"$W/v6.out" 2>&1
	read -r lp cp pp <"$W/v6.out"
	check "IPv6: the listener on [::1], the connection from the port python saw" \
		"TCPv6 [::1]:$lp * bind listen accept x1 from [::1]:$pp
TCPv6 [::1]:$cp [::1]:$lp connect" \
		"$(net "$W/v6" -6 | awk -F'|' '$4 == "TCPv6" { print $4, $5, $6, $7 }')"
else
	skip "IPv6: this machine has no ::1"
fi

# --- python3 -m http.server ------------------------------------------------------

REQ=6
mkdir -p "$W/www/sub"
echo a >"$W/www/a.txt"
echo b >"$W/www/b.txt"
echo c >"$W/www/sub/c.txt"
"$RUN" -o "$W/http" python3 -u -m http.server -b 127.0.0.1 -d "$W/www" 0 >"$W/http.out" 2>&1 &
run=$!
port=
for _ in $(seq 200); do
	port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$W/http.out" | head -1)
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	notok "python3 -m http.server: it says which port it serves on" "$(cat "$W/http.out")"
else
	"${TO[@]}" python3 - "$port" "$REQ" >"$W/client.out" 2>&1 <<'PY'
import sys, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
names = ['a.txt', 'b.txt', 'sub/c.txt']
for i in range(n):
    with urllib.request.urlopen('http://127.0.0.1:%s/%s' % (port, names[i % 3]), timeout=10) as r:
        print(r.status, r.read().decode().strip())
PY
	check "the client: $REQ answers" "$REQ" "$(grep -c '^200 ' "$W/client.out")"
fi
pkill -TERM -P "$run" 2>/dev/null
for _ in $(seq 100); do kill -0 "$run" 2>/dev/null || break; sleep 0.05; done
kill -KILL "$run" 2>/dev/null
wait "$run" 2>/dev/null
if [ -n "$port" ]; then
	check "--net: the server's listener on its port, $REQ connections accepted" \
		"TCPv4 127.0.0.1:$port bind listen accept x$REQ" \
		"$(net "$W/http" | awk -F'|' -v p="127.0.0.1:$port" '$5 == p && $6 == "*" { sub(/ from .*/, "", $7); print $4, $5, $7 }')"
	check "--files: the files served, each looked at and read" \
		"read,stat $W/www/a.txt
read,stat $W/www/b.txt
read,stat $W/www/sub/c.txt" \
		"$("$SUM" --files -v -P "$W/www" "$W/http" | awk '$NF ~ /\.txt$/ { print $3, $NF }')"
fi

rm -rf "$W"
# --- addresses the kernel refused without reading them ---
for k in 1 2 3 4 5 6 7; do
	want=$("$B/tests/net/badaddr" $k </dev/null 2>&1; echo "status $?")
	got=$("$RUN" -q -o "$W/bad$k" "$B/tests/net/badaddr" $k </dev/null 2>&1; echo "status $?")
	want=${want//$'\n'/, } got=${got//$'\n'/, }
	check "bad address $k: the result, errno and status of the untraced call ($want)" "$want yes" \
		"$got $([[ $want == "-1 E"*", status 0" ]] && echo yes || echo "no: the untraced call did not fail with an error")"
done

tap_end
