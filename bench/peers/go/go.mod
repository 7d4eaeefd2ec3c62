module corio/bench/peers/go

go 1.19
