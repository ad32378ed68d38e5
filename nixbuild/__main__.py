from nixbuild.cli import main

main()
