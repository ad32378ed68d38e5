# hostpkgs (the offline stand-in for nixpkgs) evaluates with Nix 2.8; see ../README.md.
"2.8"
