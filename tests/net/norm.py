# The socket calls of one run of tests/net/probe.c, as fwatch recorded them
# (--trace --csv) or as strace -f -e trace=%network printed them, written
# the same way: "role call fd address result", one line each, ports
# written PORT (the probe prints them; run.sh checks them against its
# words), the work directory DIR. Only the calls fwatch records: sendto and
# sendmsg with an address; and nothing between the probe's two
# shutdown(-1, 1001) and shutdown(-1, 1002) markers (getaddrinfo, whose own sockets only strace
# sees).
#
# Usage: norm.py fw|strace FILE PROBE_OUTPUT DIR
import csv, re, sys

kind, path, out, wdir = sys.argv[1:5]
role = {}
for line in open(out):
    w = line.split()
    if len(w) > 1:
        role[w[1]] = w[0]

CALLS = {'socket', 'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'sendto', 'sendmsg'}


def addr(text):
    """The address in a call's arguments, strace's or fwatch's spelling."""
    m = re.search(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)', text)
    if m:
        return '%s:%s' % (m.group(2), m.group(1))
    m = re.search(r'sun_path=(@?)"([^"]*)"', text)
    if m:
        return m.group(1) + m.group(2)
    m = re.search(r'\{AF_\w+, ([^}]*)\}', text)
    return m.group(1) if m else '-'


def norm(pid, call, args, result):
    if call not in CALLS or pid not in role:
        return None
    if call in ('sendto', 'sendmsg') and addr(args) == '-':
        return None
    a = addr(args) if call not in ('accept', 'accept4') else '-'
    a = re.sub(r':[1-9]\d*$', ':PORT', a.replace(wdir, 'DIR'))
    if call in ('socket', 'socketpair'):
        w = [x.strip() for x in args.split(',')]
        fd = ' '.join(w[:2])
        if call == 'socketpair':
            fd += ' ' + re.sub(r'.*(\[\d+, \d+\]).*', r'\1', args)
    else:
        fd = args.split(',')[0].strip()
    return '%s %s %s %s %s' % (role[pid], call, fd, a, result)


lines, on = [], {}
if kind == 'fw':
    for r in csv.DictReader(open(path, newline='')):
        if r['via'] != 'call':
            continue
        res = r['errno'] or r['ret']
        if r['call'] == 'socketpair' and not r['errno']:
            res = '0'
        n = norm(r['pid'], r['call'], r['args'], res)
        if n:
            lines.append(n)
else:
    pending = {}
    for line in open(path):
        line = line.rstrip('\n')
        # a call another process's calls interrupted, joined again
        m = re.match(r'(\d+) +(.*) <unfinished \.\.\.>$', line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r'(\d+) +<\.\.\. \w+ resumed>(.*)', line)
        if m and m.group(1) in pending:
            line = m.group(1) + ' ' + pending.pop(m.group(1)) + m.group(2)
        m = re.match(r'(\d+) +(\w+)\((.*)\) += (-?\d+)(?: (E[A-Z0-9]+))?', line)
        if not m:
            continue
        pid, call, args = m.group(1), m.group(2), m.group(3)
        if call == 'shutdown' and args.startswith('-1, 0x3e'):
            on[pid] = args.startswith('-1, 0x3e9')
            continue
        if on.get(pid):
            continue
        n = norm(pid, call, args, m.group(5) or m.group(4))
        if n:
            lines.append(n)
print('\n'.join(sorted(lines)))
