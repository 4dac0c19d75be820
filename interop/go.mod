module github.com/bronco-ws/bronco/interop

go 1.26.0

require (
	github.com/bronco-ws/bronco v0.0.0
	github.com/coder/websocket v1.8.15
	github.com/gorilla/websocket v1.5.3
)

require github.com/google/go-cmp v0.7.0

require (
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/bronco-ws/bronco => ../
