#!/bin/sh
# What a developer runs after a checkout (the release tarball ships configure).
autoreconf --install --force
