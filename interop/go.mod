module github.com/bronco-ws/bronco/interop

go 1.26

require github.com/bronco-ws/bronco v0.0.0

replace github.com/bronco-ws/bronco => ../
