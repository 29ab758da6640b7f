# fwatch-summary --sqlite: README's example queries on a known program's
# logs, the schema, the rows against the other views (tests/sqlite/run.sh);
# and fwatch-summary built without SQLite, which must say so.
CHECKS += check-sqlite

$(B)/tests/sqlite/prog: tests/sqlite/prog.c
	@mkdir -p $(@D)
	$(CC) $(SUM_PROG_CFLAGS) -o $@ tests/sqlite/prog.c

$(B)/tests/sqlite/fwatch-summary-nosqlite: tools/fwatch-summary.c tools/sqlite.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itools -o $@ tools/fwatch-summary.c tools/sqlite.c $(TOOL_SRC) \
		$(B)/libfwatch-reader.a $(LDFLAGS)

check-sqlite: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/sqlite/prog \
	      $(B)/tests/sqlite/fwatch-summary-nosqlite
	bash tests/sqlite/run.sh $(B)

.PHONY: check-sqlite
