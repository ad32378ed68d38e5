module example.org/goexamples/hello

go 1.19
