module github.com/libplivo/libplivo/bindings/go

go 1.21
