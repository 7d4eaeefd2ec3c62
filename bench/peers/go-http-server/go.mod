module corio/bench/peers/go-http-server

go 1.19
