# Sockets on loopback: a probe's listener, connects, datagrams, Unix
# sockets, a refused connect and getaddrinfo, compared with what the probe
# printed and with strace -f -e trace=%network; IPv6 on ::1; python3 -m
# http.server under a bounded urllib loop (tests/net/run.sh).
CHECKS += check-net

# The probe is traced, so it is built like a user's program.
$(B)/tests/net/probe: tests/net/probe.c Makefile tests/mk/net.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ tests/net/probe.c $(LDFLAGS)

$(B)/tests/net/badaddr: tests/net/badaddr.c Makefile tests/mk/net.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ tests/net/badaddr.c $(LDFLAGS)

check-net: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/net/probe $(B)/tests/net/badaddr
	bash tests/net/run.sh $(B)
