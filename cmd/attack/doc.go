// Command attack is bronco's adversarial suite (`make attack`): it starts bronco's echo
// server in a child process for every driver × mount combination (bare listener or
// net/http; goroutine driver or event loop), attacks it over loopback (slowloris, malformed
// upgrade requests, frame abuse, deflate bombs, floods, non-readers, churn, resets,
// descriptor exhaustion, a crowd beyond Options.MaxConnections, non-readers under
// BackpressureClose, shutdown under load) while ten honest clients echo 64-byte
// messages, and prints one markdown table row per attack × setup: whether the server held,
// what the attacker saw, the server's memory before / peak / after, and the honest
// clients' throughput and p99 latency.
//
//	go run ./cmd/attack               # everything, under 10 minutes
//	go run ./cmd/attack -quick        # a subset with smaller counts, for CI
//	go run ./cmd/attack -md attack.md -readme README.md
//	go run ./cmd/attack -setups bare/loop -only churn,resets   # while iterating
//
// The server runs in a child process (the same binary with -serve) so that its memory is
// measured alone; the parent talks to it over the child's stdin and stdout, which need no
// new descriptor, so the child still answers when an attack has exhausted its descriptors.
// The exit status is 1 when any row did not hold.
//
// The suite needs Linux: the event loop is epoll, memory comes from /proc, and the
// descriptor attack lowers RLIMIT_NOFILE.
package main
