# bounce-milter - top-level build.
#
#   make            build/bounce-classify, build/bounce-milter, build/libbounce.a
#   make check      every test (unit, corpus accuracy, sanitizers, milter, end to end)
#   make bench      speed and memory benchmarks
#   make install    PREFIX=/usr/local DESTDIR=
#   make asan       the same programs built with AddressSanitizer + UBSan in build/asan
#
# Sources are found by wildcard: a new classifier/*.c joins the library, a new
# milter/*.c joins the daemon, a new tests/unit/test_*.c becomes a test program.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/bounce-milter
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/bounce-milter
UNITDIR ?= /lib/systemd/system

BUILD ?= build
CC ?= cc
PKGS := libpcre2-8 libconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcre2-8 -lconfig)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wvla -Wno-unused-parameter
CFLAGS ?= -O2 -g
SAN_FLAGS ?=
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) \
              -Iclassifier -Imilter \
              -DBC_RULESDIR='"$(DATADIR)"' -DBC_SYSCONFDIR='"$(SYSCONFDIR)"' -MMD -MP
LDFLAGS ?=
LIBS := $(PKG_LIBS)
MILTER_LIBS := -lmilter -lpthread

LIB_SRC := $(filter-out classifier/bounce-classify.c,$(wildcard classifier/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(BUILD)/classifier/bounce-classify.o
MILTER_SRC := $(wildcard milter/*.c)
MILTER_MAIN := milter/main.c
MILTER_LIB_OBJ := $(filter-out $(BUILD)/$(MILTER_MAIN:.c=.o),$(MILTER_SRC:%.c=$(BUILD)/%.o))
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

PROGRAMS := $(BUILD)/bounce-classify
ifneq ($(wildcard $(MILTER_MAIN)),)
PROGRAMS += $(BUILD)/bounce-milter
endif

.PHONY: all check bench install clean asan tests format
all: $(BUILD)/libbounce.a $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# libbounce.a is the public library: one relocatable object in which only
# the bc_ functions named in bounce.h stay global, so that a program linking
# it neither reaches nor collides with the library's internals.  What calls
# internal modules (the CLI's mbox reader, the unit tests) links
# libbounce-internal.a, the same objects as they are; the daemon uses only
# bounce.h and links libbounce.a.
LD ?= ld
OBJCOPY ?= objcopy

$(BUILD)/libbounce-internal.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libbounce.exports: classifier/bounce.h
	@mkdir -p $(dir $@)
	grep -o 'bc_[A-Za-z0-9_]*(' $< | tr -d '(' | sort -u >$@

$(BUILD)/libbounce.a: $(LIB_OBJ) $(BUILD)/libbounce.exports
	@mkdir -p $(dir $@)
	rm -f $@ $(BUILD)/libbounce.o
	$(LD) -r -o $(BUILD)/libbounce.o $(LIB_OBJ)
	$(OBJCOPY) --keep-global-symbols=$(BUILD)/libbounce.exports $(BUILD)/libbounce.o
	ar rcs $@ $(BUILD)/libbounce.o

$(BUILD)/bounce-classify: $(CLI_OBJ) $(BUILD)/libbounce-internal.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libmilterd.a: $(MILTER_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bounce-milter: $(BUILD)/$(MILTER_MAIN:.c=.o) $(BUILD)/libmilterd.a $(BUILD)/libbounce.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(MILTER_LIBS)

# Unit tests link the library's internals and the daemon's modules (all but main.c).
$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libbounce-internal.a $(if $(MILTER_LIB_OBJ),$(BUILD)/libmilterd.a)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(if $(MILTER_LIB_OBJ),$(BUILD)/libmilterd.a) $(BUILD)/libbounce-internal.a $(LIBS) $(MILTER_LIBS)

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libbounce-internal.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbounce-internal.a $(LIBS) $(MILTER_LIBS)

tests: all $(TEST_BIN) $(TOOL_BIN)

asan:
	$(MAKE) BUILD=build/asan CC=clang CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    SAN_FLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' all tests

check: tests asan
	tests/run

bench: tests
	tests/bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)
	install -m 755 $(BUILD)/bounce-classify $(DESTDIR)$(BINDIR)/
	if [ -f $(BUILD)/bounce-milter ]; then install -m 755 $(BUILD)/bounce-milter $(DESTDIR)$(SBINDIR)/; fi
	install -m 644 conf/rules.conf conf/formats.conf $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/rules.d
	install -m 644 conf/rules.d/*.conf $(DESTDIR)$(DATADIR)/rules.d/
	if [ ! -f $(DESTDIR)$(SYSCONFDIR)/milter.conf ] && [ -f conf/milter.conf ]; then \
	    install -m 644 conf/milter.conf $(DESTDIR)$(SYSCONFDIR)/; fi
	for m in classifier/*.1 classifier/*.7 milter/*.5 milter/*.8; do \
	    [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(MANDIR)/man$${m##*.}/; done; true
	if [ -f systemd/bounce-milter.service ]; then install -d $(DESTDIR)$(UNITDIR) && \
	    install -m 644 systemd/bounce-milter.service $(DESTDIR)$(UNITDIR)/; fi

format:
	clang-format -i classifier/*.[ch] $(wildcard milter/*.[ch]) $(wildcard tests/unit/*.[ch]) $(wildcard tests/tools/*.c)

clean:
	rm -rf build

-include $(wildcard $(BUILD)/classifier/*.d $(BUILD)/milter/*.d $(BUILD)/tests/*.d)
