"""bench/fairness/aftercost.sh's thread counts: `snap PID` prints each thread name's (digits folded)
CPU ticks, thread count and voluntary context switches as JSON; `diff BEFORE AFTER REQUESTS` prints
the seven busiest names between two snaps, per request."""
import json, os, re, sys


def snap(pid):
    out = {}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            st = open(f'/proc/{pid}/task/{t}/stat').read()
            status = open(f'/proc/{pid}/task/{t}/status').read()
        except OSError:
            continue
        f = st[st.rindex(')') + 2:].split()
        v = out.setdefault(re.sub(r'\d+', '#', st[st.index('(') + 1:st.rindex(')')]), [0, 0, 0])
        v[0] += int(f[11]) + int(f[12])
        v[1] += 1
        v[2] += int(re.search(r'^voluntary_ctxt_switches:\s*(\d+)', status, re.M).group(1))
    json.dump(out, sys.stdout)


def diff(before, after, requests):
    a, b, n = json.load(open(before)), json.load(open(after)), int(requests)
    rows = sorted(((v[0] - a.get(k, [0, 0, 0])[0], k, v[1], v[2] - a.get(k, [0, 0, 0])[2])
                   for k, v in b.items()), reverse=True)
    print("   " + "  ".join(f"{k}[{c}]={d * 10000 / n:.1f}us/{cs / n:.2f}cs"
                            for d, k, c, cs in rows[:7] if d > 0))


if sys.argv[1] == 'snap':
    snap(sys.argv[2])
else:
    diff(*sys.argv[2:5])
