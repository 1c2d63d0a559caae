"""SendGrid at the HTTP boundary, for tests.

- `FakeSendGrid`: a local HTTP server answering like SendGrid's v3 `POST /v3/mail/send`
  (202, empty body, an `X-Message-Id` header; or the errors a test scripts). anymail's real
  SendGrid backend is pointed at it (`ANYMAIL["SENDGRID_API_URL"]`), so everything from the
  payload to the HTTP client runs as in production.
- `EventSigner`: an EC P-256 key pair made at runtime, signing event webhook payloads the way
  SendGrid does (ECDSA/SHA-256 over timestamp + raw body, base64 DER signature).
"""

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True)
class Answer:
    status: int = 202
    # Hold the request until the test ends: the client's timeout fires first.
    hang: bool = False


ACCEPTED = Answer(202)
SERVER_ERROR = Answer(500)
UNAVAILABLE = Answer(503)
TOO_MANY_REQUESTS = Answer(429)
BAD_REQUEST = Answer(400)
TIMEOUT = Answer(hang=True)

_ERROR_MESSAGES = {
    400: "The from address does not match a verified Sender Identity.",
    429: "too many requests",
    500: "internal error",
    503: "service unavailable",
}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    payload: dict
    status: int
    message_id: str | None


class FakeSendGrid:
    def __init__(self):
        self.received: list[Received] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v3/"

    def answer(self, *answers: Answer) -> None:
        """The next answers, in order; once they are used up, every send is accepted."""
        with self._lock:
            self._script.extend(answers)

    @property
    def accepted(self) -> list[Received]:
        return [request for request in self.received if request.status == 202]

    def start(self) -> "FakeSendGrid":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Answer:
        with self._lock:
            return self._script.pop(0) if self._script else ACCEPTED

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = fake._next()
                if answer.hang:
                    fake._release.wait()
                    return
                message_id = secrets.token_urlsafe(16) if answer.status == 202 else None
                fake.received.append(
                    Received(
                        path=self.path,
                        headers=dict(self.headers),
                        payload=json.loads(body or b"{}"),
                        status=answer.status,
                        message_id=message_id,
                    )
                )
                if answer.status == 202:
                    self.send_response(202)
                    self.send_header("X-Message-Id", message_id)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                error = json.dumps({"errors": [{"message": _ERROR_MESSAGES[answer.status], "field": None}]})
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error.encode())

            def log_message(self, format, *args):  # keep the test output clean
                pass

        return Handler


class EventSigner:
    """Signs event webhook requests as SendGrid does, with a key pair made for the test."""

    def __init__(self):
        self._private_key = ec.generate_private_key(ec.SECP256R1())
        # What the SendGrid dashboard shows as the verification key: base64 DER, no armour.
        self.public_key = base64.b64encode(
            self._private_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode()

    def sign(self, body: bytes, timestamp: str) -> str:
        signature = self._private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode()

    def headers(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": self.sign(body, stamp),
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": stamp,
        }


def sendgrid_event(event: str, message_id: str, *, email: str = "someone@example.test", **fields) -> dict:
    """One event as SendGrid posts it: `sg_message_id` is the X-Message-Id plus a suffix."""
    return {
        "email": email,
        "timestamp": int(time.time()),
        "event": event,
        "sg_event_id": secrets.token_urlsafe(18),
        "sg_message_id": f"{message_id}.recvd-5f54b5d587-pczjm-1-67BADEEA-6.0",
        "smtp-id": f"<{secrets.token_hex(8)}@example.test>",
        **fields,
    }
