"""nixbuild: minimal, reproducible container images from a binary's Nix closure."""

__version__ = "0.1.0"
