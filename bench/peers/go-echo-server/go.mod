module corio/bench/peers/go-echo-server

go 1.19
