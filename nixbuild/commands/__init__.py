"""One module per subcommand; each defines a click command registered in nixbuild.cli."""
