# make install and make uninstall into a scratch prefix after a plain
# build, the installed fwatch-run finding its library (moved too, and
# staged with DESTDIR), the man pages under man, a program built with
# pkg-config against the reader library (tests/install/run.sh).
CHECKS += check-install

check-install: all $(B)/tests/real/fwlog-dump
	bash tests/install/run.sh $(B) "$(MAKE)" $(VERSION) $(READER_ABI)

.PHONY: check-install
