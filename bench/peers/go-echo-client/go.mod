module corio/bench/peers/go-echo-client

go 1.19
