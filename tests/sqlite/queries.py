"""queries.py README DB W SHARED: run the three queries of README's SQLite
section, as written there, on DB with python3's sqlite3 module, and print
their rows, one per line, W standing for the directory W (the path
query is given :path = SHARED). The slowest files: the paths of the
first two rows; failed lookups: every row; writers: pid and exe. Each
query's answer is headed by its comment line."""
import re
import sqlite3
import sys

readme, db, w, shared = sys.argv[1:5]
text = open(readme, encoding="utf-8").read()
block = re.search(r"```sql\n(.*?)```", text, re.S).group(1)
queries = re.findall(r"^-- (.*)\n((?:(?!-- ).*\n)+)", block, re.M)
con = sqlite3.connect(db)
con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
print(len(queries), "queries")
for i, (title, sql) in enumerate(queries):
    print("--", title)
    rows = con.execute(sql, {"path": shared}).fetchall()
    if i == 0:
        rows = [(r[0],) for r in rows[:2]]
    elif i == 2:
        rows = [(r[0], r[1]) for r in rows]
    for r in rows:
        print(" ".join(str(v).replace(w, "W") for v in r))
