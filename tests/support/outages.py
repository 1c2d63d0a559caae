"""Servers that misbehave like a failing Redis or PostgreSQL, for the resilience tests: a
port where nothing listens, a server that accepts connections and never answers, and a TCP
relay to a real server that can be cut and restored."""

import contextlib
import socket
import threading


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_listening(listener: socket.socket) -> None:
    # Closing alone leaves a thread blocked in accept() accepting: shutting down wakes it.
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


class SilentServer:
    """Accepts every connection, reads what is sent and never answers: a hung server."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "SilentServer":
        self._thread.start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(connection)  # kept open, never read back

    def stop(self) -> None:
        _stop_listening(self._listener)
        for connection in self._connections:
            connection.close()


class Relay:
    """Forwards 127.0.0.1:<port> to a real server, until told to fail like it:

    - `hang()`: connections are accepted and what clients send is swallowed, on the
      connections already open too; nothing is answered (a hung server);
    - `cut()`: every relayed connection is closed and the port stops listening (connections
      are refused, as by a server that is down);
    - `restore()`: forwards again, on the same port.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = closed_port()
        self.hung = False
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def restore(self) -> "Relay":
        self.hung = False
        if self._listener is None:
            self._listener = socket.create_server(("127.0.0.1", self.port))
            threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def hang(self) -> None:
        self.hung = True

    def cut(self) -> None:
        self.hung = False
        _stop_listening(self._listener)
        self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
            if self.hung:
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    @staticmethod
    def _swallow(client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass

    def _pipe(self, source: socket.socket, destination: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if not (from_client and self.hung):
                    destination.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, destination):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
