module example.org/goexamples

go 1.19

require golang.org/x/tools v0.33.0
