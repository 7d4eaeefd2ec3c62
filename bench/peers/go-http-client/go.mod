module corio/bench/peers/go-http-client

go 1.19
