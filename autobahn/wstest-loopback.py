# Runs wstest (Python 2) with every TCP listener it opens bound to 127.0.0.1.
#
# Usage: python autobahn/wstest-loopback.py <wstest arguments>, with the Python that runs
# wstest (bootstrap.sh's bin/python, or the interpreter on the first line of the image's
# wstest script).
#
# wstest -m fuzzingserver listens on the port of the spec's url but on every interface:
# Autobahn 0.10.9's listenWS(factory) passes Twisted's default interface '' (all), and
# neither the spec nor the command line can change that (the url's host only names the
# server in the handshake). This wrapper installs the reactor wstest would install, makes
# its listenTCP and listenSSL bind 127.0.0.1 whatever they are asked, and runs wstest's own
# entry point with the arguments unchanged. The embedded web UI (default port 8080) is still
# turned off with wstest's own flag, --webport 0; were it on, it would bind loopback too.
import sys

# wstest's first import: installs the epoll reactor on Linux, before anything imports
# twisted.internet.reactor.
import autobahntestsuite.choosereactor  # noqa: F401
from twisted.internet import reactor

LOOPBACK = '127.0.0.1'


def loopback(listen):
    """Wraps reactor.listenTCP or listenSSL: same call, interface forced to loopback."""
    def wrapped(port, factory, *args, **kwargs):
        kwargs.pop('interface', None)
        # listenTCP(port, factory, backlog, interface) and
        # listenSSL(port, factory, contextFactory, backlog, interface): the interface is
        # always the argument after the backlog, so positional ones past it are dropped.
        positional = 1 if listen.__name__ == 'listenTCP' else 2
        args = args[:positional]
        sys.stdout.write('wstest-loopback: %s on %s:%d\n' % (listen.__name__, LOOPBACK, port))
        return listen(port, factory, *args, interface=LOOPBACK, **kwargs)
    return wrapped


reactor.listenTCP = loopback(reactor.listenTCP)
reactor.listenSSL = loopback(reactor.listenSSL)

from autobahntestsuite import wstest  # noqa: E402

wstest.run()
