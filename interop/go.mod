module github.com/bronco-ws/bronco/interop

go 1.26

require (
	github.com/bronco-ws/bronco v0.0.0
	github.com/coder/websocket v1.8.15
	github.com/gorilla/websocket v1.5.3
)

require github.com/google/go-cmp v0.7.0

replace github.com/bronco-ws/bronco => ../
