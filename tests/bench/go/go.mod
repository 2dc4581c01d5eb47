module libplivo-bench

go 1.21

require github.com/libplivo/libplivo/bindings/go v0.0.0

replace github.com/libplivo/libplivo/bindings/go => ../../../bindings/go
