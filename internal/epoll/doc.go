// Package epoll is the system-call layer of bronco's event loop (Linux): an epoll set that
// parks in Go's netpoller, a wake-up pipe, non-blocking socket reads and writes, and taking a
// socket's descriptor away from the net package. It knows nothing of WebSocket.
package epoll
