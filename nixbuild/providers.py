"""Which package-set attribute provides a library or a header that builds
often need and users forget to name in ``[package] inputs`` (the attribute
names are nixpkgs'). Used for hints: the closure proof and the fix-up (a
needed ``libz.so.1``), a failed hermetic build (``zlib.h``, ``-lz``), and
``nixbuild init`` (a Makefile that links ``-lz``)."""

from __future__ import annotations

# -lNAME → attribute
_LIBRARIES = {"z": "zlib", "ssl": "openssl", "crypto": "openssl", "bz2": "bzip2", "lzma": "xz",
              "curl": "curl", "sqlite3": "sqlite", "png": "libpng", "ncurses": "ncurses",
              "ncursesw": "ncurses", "tinfo": "ncurses", "readline": "readline", "cap": "libcap",
              "event": "libevent", "event_core": "libevent", "pcre2-8": "pcre2", "zstd": "zstd", "lz4": "lz4",
              "ffi": "libffi", "expat": "expat", "yaml": "libyaml", "uv": "libuv", "crypt": "libxcrypt"}
# a header, or a directory of headers ("openssl/") → attribute
_HEADERS = {"zlib.h": "zlib", "zconf.h": "zlib", "openssl/": "openssl", "bzlib.h": "bzip2", "lzma.h": "xz",
            "curl/": "curl", "sqlite3.h": "sqlite", "png.h": "libpng", "ncurses.h": "ncurses",
            "curses.h": "ncurses", "readline/": "readline"}
# a pkg-config module (PKG_CHECK_MODULES) → attribute
_PKG_CONFIG = {"zlib": "zlib", "openssl": "openssl", "libssl": "openssl", "libcrypto": "openssl",
               "bzip2": "bzip2", "liblzma": "xz", "libcurl": "curl", "sqlite3": "sqlite", "libpng": "libpng",
               "ncurses": "ncurses", "ncursesw": "ncurses", "readline": "readline",
               "libevent": "libevent", "libevent_core": "libevent", "libpcre2-8": "pcre2", "libzstd": "zstd",
               "liblz4": "lz4", "libffi": "libffi", "expat": "expat", "yaml-0.1": "libyaml", "libuv": "libuv",
               "libcap": "libcap", "icu-uc": "icu", "icu-i18n": "icu", "libxcrypt": "libxcrypt"}
# Libraries of the C library itself (glibc, musl): never an input.
LIBC = frozenset({"c", "m", "pthread", "dl", "rt", "util", "resolv", "anl"})


def of_link_name(name: str) -> str | None:
    """``-lz`` → ``zlib`` (``name`` without the ``-l``)."""
    return _LIBRARIES.get(name)


def of_pkg_config_module(name: str) -> str | None:
    """``ncursesw`` (a pkg-config module) → ``ncurses``."""
    return _PKG_CONFIG.get(name)


def of_library(file_name: str) -> str | None:
    """``libz.so.1`` → ``zlib``."""
    stem = file_name.split(".so", 1)[0]
    return _LIBRARIES.get(stem.removeprefix("lib")) if stem.startswith("lib") else None


def of_header(header: str) -> str | None:
    """``zlib.h`` or ``openssl/evp.h`` → the attribute."""
    return next((attr for prefix, attr in _HEADERS.items()
                 if header == prefix or (prefix.endswith("/") and header.startswith(prefix))), None)
