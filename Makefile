# libplivo: build, install and uninstall the C library (see `make help`).
#
#   make                                   # release build (cargo build --release -p plivo)
#   make install PREFIX=/usr/local         # then, e.g. as root
#   make install DESTDIR=/tmp/stage PREFIX=/usr    # staged install, for packagers
#   make uninstall PREFIX=/usr/local       # removes exactly what install put there
#
# `make install` builds nothing when the release build is up to date (so `make && sudo
# make install` does not run cargo as root); it runs cargo when a source is newer.

SHELL := /bin/sh

CARGO ?= cargo
INSTALL ?= install
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/plivo
DESTDIR ?=

# The version of the package, from Cargo.toml's [package] table.
VERSION := $(shell sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
ifeq ($(VERSION),)
$(error cannot read the version from Cargo.toml)
endif

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
RELEASE_DIR := $(TARGET_DIR)/release
SHARED_LIB := $(RELEASE_DIR)/libplivo.so
STATIC_LIB := $(RELEASE_DIR)/libplivo.a
# The system libraries libplivo.a needs, as rustc prints them (one line, -l flags).
NATIVE_LIBS_FILE := $(RELEASE_DIR)/plivo-native-static-libs.txt
NATIVE_LIBS_FALLBACK := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
HEADER := include/plivo.h

SONAME := libplivo.so.$(MAJOR)
REALNAME := libplivo.so.$(VERSION)

SOURCES := Cargo.toml Cargo.lock build.rs cbindgen.toml $(shell find src -type f -name '*.rs' 2>/dev/null)

# Paths as written into plivo.pc: relative to ${prefix} when they lie under it.
PC_LIBDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

# Everything `make install` creates, for uninstall.
INSTALLED_FILES := \
	$(LIBDIR)/$(REALNAME) \
	$(LIBDIR)/$(SONAME) \
	$(LIBDIR)/libplivo.so \
	$(LIBDIR)/libplivo.a \
	$(INCLUDEDIR)/plivo.h \
	$(PKGCONFIGDIR)/plivo.pc \
	$(CMAKEDIR)/plivoConfig.cmake \
	$(CMAKEDIR)/plivoConfigVersion.cmake

.PHONY: all build install uninstall check-abi test-install help print-version

all: build

# The native-static-libs query runs first: it is a staticlib-only build of the same
# crate, which leaves its own libplivo.a in $(RELEASE_DIR); `cargo build` then puts the
# real one back. Both are cached by cargo, so a second `make` takes a fraction of a
# second. $(NATIVE_LIBS_FILE) is written last and serves as the stamp of a good build.
# The $(SONAME) link lets programs linked against the tree (-Ltarget/release -lplivo)
# find the library at run time, as they would an installed one.
build:
	@set -e; \
	echo '$(CARGO) rustc --release -p plivo --lib --crate-type staticlib -- --print native-static-libs'; \
	out=$$($(CARGO) rustc --release -p plivo --lib --crate-type staticlib \
		-- --print native-static-libs 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }; \
	libs=$$(printf '%s\n' "$$out" | sed -n 's/^note: native-static-libs: *//p' | tail -n 1); \
	if [ -z "$$libs" ]; then \
		echo "make: could not read native-static-libs from rustc; using the fallback list" >&2; \
		libs='$(NATIVE_LIBS_FALLBACK)'; \
	fi; \
	echo '$(CARGO) build --release -p plivo'; \
	$(CARGO) build --release -p plivo; \
	ln -sfn libplivo.so '$(RELEASE_DIR)/$(SONAME)'; \
	printf '%s\n' "$$libs" > '$(NATIVE_LIBS_FILE).tmp'; \
	mv '$(NATIVE_LIBS_FILE).tmp' '$(NATIVE_LIBS_FILE)'; \
	echo "built $(SHARED_LIB) and $(STATIC_LIB) (libplivo $(VERSION)); native static libs: $$libs"

# For install: rebuild only when a source is newer than the last good build.
$(NATIVE_LIBS_FILE): $(SOURCES)
	@$(MAKE) --no-print-directory build

install: $(NATIVE_LIBS_FILE) $(HEADER)
	@set -e; \
	for f in $(SHARED_LIB) $(STATIC_LIB); do \
		[ -f "$$f" ] || { echo "make: $$f is missing: run make" >&2; exit 1; }; \
	done; \
	libs=$$(cat $(NATIVE_LIBS_FILE)); \
	[ -n "$$libs" ] || libs='$(NATIVE_LIBS_FALLBACK)'; \
	cmake_libs=$$(for l in $$libs; do case $$l in -l*) printf '%s;' "$${l#-l}";; *) printf '%s;' "$$l";; esac; done); \
	cmake_libs=$${cmake_libs%;}; \
	case $$(od -An -tu1 -j4 -N1 $(SHARED_LIB) | tr -d ' ') in 1) ptr=4;; 2) ptr=8;; *) echo "make: $(SHARED_LIB) is not an ELF file" >&2; exit 1;; esac; \
	rel_lib=$$(realpath -m -s --relative-to='$(CMAKEDIR)' '$(LIBDIR)'); \
	rel_inc=$$(realpath -m -s --relative-to='$(CMAKEDIR)' '$(INCLUDEDIR)'); \
	subst() { sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@PC_LIBDIR@|$(PC_LIBDIR)|g' \
		-e 's|@PC_INCLUDEDIR@|$(PC_INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		-e 's|@MAJOR@|$(MAJOR)|g' -e "s|@NATIVE_STATIC_LIBS@|$$libs|g" \
		-e "s|@CMAKE_NATIVE_STATIC_LIBS@|$$cmake_libs|g" -e "s|@SIZEOF_VOID_P@|$$ptr|g" \
		-e "s|@CMAKE_REL_LIBDIR@|$$rel_lib|g" -e "s|@CMAKE_REL_INCLUDEDIR@|$$rel_inc|g" "$$1"; }; \
	run() { echo "$$*"; "$$@"; }; \
	gen() { echo "generate $$2 from $$1"; subst "$$1" > "$$2"; chmod 644 "$$2"; }; \
	run $(INSTALL) -d -m 755 '$(DESTDIR)$(LIBDIR)' '$(DESTDIR)$(INCLUDEDIR)' \
		'$(DESTDIR)$(PKGCONFIGDIR)' '$(DESTDIR)$(CMAKEDIR)'; \
	run $(INSTALL) -m 755 $(SHARED_LIB) '$(DESTDIR)$(LIBDIR)/$(REALNAME)'; \
	run ln -sfn $(REALNAME) '$(DESTDIR)$(LIBDIR)/$(SONAME)'; \
	run ln -sfn $(SONAME) '$(DESTDIR)$(LIBDIR)/libplivo.so'; \
	run $(INSTALL) -m 644 $(STATIC_LIB) '$(DESTDIR)$(LIBDIR)/libplivo.a'; \
	run $(INSTALL) -m 644 $(HEADER) '$(DESTDIR)$(INCLUDEDIR)/plivo.h'; \
	gen packaging/plivo.pc.in '$(DESTDIR)$(PKGCONFIGDIR)/plivo.pc'; \
	gen packaging/plivoConfig.cmake.in '$(DESTDIR)$(CMAKEDIR)/plivoConfig.cmake'; \
	gen packaging/plivoConfigVersion.cmake.in '$(DESTDIR)$(CMAKEDIR)/plivoConfigVersion.cmake'
	@echo "installed libplivo $(VERSION) into $(DESTDIR)$(PREFIX)"

# Removes the files install created, and the plivo CMake directory when it is empty.
# Shared directories (lib, include, pkgconfig) are left in place.
uninstall:
	rm -f $(foreach f,$(INSTALLED_FILES),'$(DESTDIR)$(f)')
	rmdir '$(DESTDIR)$(CMAKEDIR)' 2>/dev/null || true

check-abi:
	tests/abi/check.sh

test-install:
	tests/install/run.sh

print-version:
	@echo $(VERSION)

help:
	@echo 'libplivo $(VERSION) - targets:'
	@echo '  make                  release build: cargo build --release -p plivo'
	@echo '                        ($(SHARED_LIB), $(STATIC_LIB))'
	@echo '  make install          install into $$(DESTDIR)$$(PREFIX): lib/$(REALNAME),'
	@echo '                        lib/$(SONAME) and lib/libplivo.so (symlinks), lib/libplivo.a,'
	@echo '                        include/plivo.h, lib/pkgconfig/plivo.pc,'
	@echo '                        lib/cmake/plivo/plivoConfig{,Version}.cmake'
	@echo '  make uninstall        remove exactly those files (same PREFIX/DESTDIR as install)'
	@echo '  make check-abi        exported symbols, result codes, versions and SONAME'
	@echo '                        against tests/abi/ (tests/abi/check.sh)'
	@echo '  make test-install     install into a temporary prefix and link the C example'
	@echo '                        with pkg-config (dynamic, static) and CMake (tests/install/run.sh)'
	@echo '  make help             this text'
	@echo 'variables:'
	@echo '  PREFIX=$(PREFIX)  DESTDIR=$(DESTDIR)'
	@echo '  LIBDIR=$(LIBDIR)  INCLUDEDIR=$(INCLUDEDIR)'
	@echo '  PKGCONFIGDIR=$(PKGCONFIGDIR)  CMAKEDIR=$(CMAKEDIR)'
	@echo '  CARGO=$(CARGO)  CARGO_TARGET_DIR=$(TARGET_DIR)'
