# nixbuild — make setup | demo | test | bench | check-fresh
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast lint bench check-fresh clean

setup:
	@./scripts/setup.sh

demo: setup
	@./scripts/demo.sh

test: setup lint
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check nixbuild tests

# Unit tests only (no Nix builds).
test-fast: setup
	$(VENV)/bin/pytest -n auto -m "not nix and not e2e" $(PYTEST_ARGS)

bench: setup
	$(VENV)/bin/python -m tests.bench.run

# The README's two commands on a brand-new Debian 12 root (debootstrap +
# chroot; needs root). Run it whenever setup, this Makefile, .ci/ or a
# dependency changes.
check-fresh:
	@./scripts/check-fresh.sh

clean:
	rm -rf examples/*/.nixbuild examples/*/nixbuild-result examples/hello-c-shell/hello examples/*-shell/build
