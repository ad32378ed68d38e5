module example.org/nixbuild/quote

go 1.19
