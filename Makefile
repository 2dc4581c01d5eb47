# libplivo: build, install and uninstall the C library and plivo-stream; build the
# Python wheel and the Debian packages (see `make help`).
#
#   make                                   # release build (cargo build --release -p plivo -p plivo-stream)
#   make install PREFIX=/usr/local         # then, e.g. as root
#   make install DESTDIR=/tmp/stage PREFIX=/usr    # staged install, for packagers
#   make uninstall PREFIX=/usr/local       # removes exactly what install put there
#   make wheel                             # target/wheels/plivo_ffi-<version>-py3-none-<platform>.whl
#   make deb                               # target/debian/*.deb (dpkg-buildpackage -b)
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
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

# The version of the package, from Cargo.toml's [package] table.
VERSION := $(shell packaging/version.sh)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
ifeq ($(VERSION),)
$(error cannot read the version from Cargo.toml)
endif

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
RELEASE_DIR := $(TARGET_DIR)/release
SHARED_LIB := $(RELEASE_DIR)/libplivo.so
STATIC_LIB := $(RELEASE_DIR)/libplivo.a
# The system libraries libplivo.a needs, as rustc printed them (packaging/build.sh).
NATIVE_LIBS_FILE := $(RELEASE_DIR)/plivo-native-static-libs.txt
HEADER := include/plivo.h
CLI_BIN := $(RELEASE_DIR)/plivo-stream
MANPAGE := cli/plivo-stream.1

SONAME := libplivo.so.$(MAJOR)
REALNAME := libplivo.so.$(VERSION)

SOURCES := Cargo.toml Cargo.lock build.rs cbindgen.toml cli/Cargo.toml \
	$(shell find src cli/src -type f -name '*.rs' 2>/dev/null)

# Everything `make install` creates, for uninstall.
INSTALLED_FILES := \
	$(LIBDIR)/$(REALNAME) \
	$(LIBDIR)/$(SONAME) \
	$(LIBDIR)/libplivo.so \
	$(LIBDIR)/libplivo.a \
	$(INCLUDEDIR)/plivo.h \
	$(PKGCONFIGDIR)/plivo.pc \
	$(CMAKEDIR)/plivoConfig.cmake \
	$(CMAKEDIR)/plivoConfigVersion.cmake \
	$(BINDIR)/plivo-stream \
	$(MANDIR)/man1/plivo-stream.1

.PHONY: all build install uninstall check-abi test-install test-packaging wheel deb help print-version

all: build

# The release build, the SONAME link and the native-static-libs stamp: packaging/build.sh.
build:
	@VERSION='$(VERSION)' CARGO='$(CARGO)' RELEASE_DIR='$(RELEASE_DIR)' packaging/build.sh

# For install: rebuild only when a source is newer than the last good build (or when
# plivo-stream is missing, from a build made before it existed).
$(NATIVE_LIBS_FILE): $(SOURCES)
	@$(MAKE) --no-print-directory build
$(CLI_BIN):
	@$(MAKE) --no-print-directory build

# The installing itself (files, symlinks, plivo.pc and the CMake package from
# packaging/*.in) is packaging/install.sh, which the Debian build runs too.
install: $(NATIVE_LIBS_FILE) $(CLI_BIN) $(HEADER)
	@VERSION='$(VERSION)' PREFIX='$(PREFIX)' LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' \
		PKGCONFIGDIR='$(PKGCONFIGDIR)' CMAKEDIR='$(CMAKEDIR)' BINDIR='$(BINDIR)' \
		MANDIR='$(MANDIR)' DESTDIR='$(DESTDIR)' INSTALL='$(INSTALL)' \
		RELEASE_DIR='$(RELEASE_DIR)' HEADER='$(HEADER)' MANPAGE='$(MANPAGE)' packaging/install.sh

# Removes the files install created, and the plivo CMake directory when it is empty.
# Shared directories (lib, include, pkgconfig) are left in place.
uninstall:
	rm -f $(foreach f,$(INSTALLED_FILES),'$(DESTDIR)$(f)')
	rmdir '$(DESTDIR)$(CMAKEDIR)' 2>/dev/null || true

check-abi:
	tests/abi/check.sh

test-install:
	tests/install/run.sh

# The Python wheel with libplivo.so inside (packaging/wheel.sh).
wheel:
	packaging/wheel.sh

# libplivo0, libplivo-dev and plivo-stream .debs (packaging/deb.sh, packaging/debian/).
deb:
	packaging/deb.sh

test-packaging:
	tests/packaging/run.sh

print-version:
	@echo $(VERSION)

help:
	@echo 'libplivo $(VERSION) - targets:'
	@echo '  make                  release build: cargo build --release -p plivo'
	@echo '                        ($(SHARED_LIB), $(STATIC_LIB))'
	@echo '  make install          install into $$(DESTDIR)$$(PREFIX): lib/$(REALNAME),'
	@echo '                        lib/$(SONAME) and lib/libplivo.so (symlinks), lib/libplivo.a,'
	@echo '                        include/plivo.h, lib/pkgconfig/plivo.pc,'
	@echo '                        lib/cmake/plivo/plivoConfig{,Version}.cmake,'
	@echo '                        bin/plivo-stream, share/man/man1/plivo-stream.1'
	@echo '  make uninstall        remove exactly those files (same PREFIX/DESTDIR as install)'
	@echo '  make check-abi        exported symbols, result codes, versions and SONAME'
	@echo '                        against tests/abi/ (tests/abi/check.sh)'
	@echo '  make test-install     install into a temporary prefix and link the C example'
	@echo '                        with pkg-config (dynamic, static) and CMake (tests/install/run.sh)'
	@echo '  make wheel            target/wheels/plivo_ffi-$(VERSION)-py3-none-<platform>.whl,'
	@echo '                        libplivo.so inside (packaging/wheel.sh)'
	@echo '  make deb              target/debian/: libplivo0, libplivo-dev and plivo-stream .debs'
	@echo '                        (dpkg-buildpackage -b on packaging/debian; packaging/deb.sh)'
	@echo '  make test-packaging   wheel, .debs, lintian, dpkg -i, plivo-stream (tests/packaging/run.sh)'
	@echo '  make help             this text'
	@echo 'variables:'
	@echo '  PREFIX=$(PREFIX)  DESTDIR=$(DESTDIR)'
	@echo '  LIBDIR=$(LIBDIR)  INCLUDEDIR=$(INCLUDEDIR)'
	@echo '  PKGCONFIGDIR=$(PKGCONFIGDIR)  CMAKEDIR=$(CMAKEDIR)'
	@echo '  BINDIR=$(BINDIR)  MANDIR=$(MANDIR)'
	@echo '  CARGO=$(CARGO)  CARGO_TARGET_DIR=$(TARGET_DIR)'
