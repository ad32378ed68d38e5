"""The builders: how ``[package]`` becomes ``.nixbuild/package.nix`` and a built package.

One module per builder (``c.py``, ``shell.py``), each offering the same few
names (``base.Builder``); ``all.py`` is the table the rest of nixbuild goes
through. Adding a builder touches one module here, its template in
``nixbuild/templates/package-NAME.nix.j2``, one hostpkgs file and one example.
"""
