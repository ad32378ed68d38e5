module example.com/inventory

go 1.19

require example.org/nixbuild/quote v0.3.0
