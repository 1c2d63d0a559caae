"""A local stand-in for Stripe's HTTP API, for tests and the webhook benchmark.

The application's `stripe` SDK is pointed at it with STRIPE_API_BASE (the SDK's `api` base
address), so every call still goes through the SDK's own HTTP client, form encoding,
Idempotency-Key, Stripe-Version header, retries and error parsing. It keeps customers,
subscriptions and sessions in memory, answers JSON shaped like the current API
(`stripe_objects`), replays a POST sent again with the same Idempotency-Key as Stripe does,
and records each request (method, path, form or query parameters, headers) for assertions.

Failures: `fail_next(n)` answers the next n requests (or the next n to one path) with a
Stripe error (500 by default, with a `Request-Id` header like Stripe's); `down = True` fails every request. `latency`
(seconds) delays each answer like a real network round trip, widening race windows.
`unreachable_base_url()` is an address where nothing listens (connection refused).
"""

import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.support import stripe_objects


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None
    stripe_version: str | None
    authorization: str | None


@dataclass
class _Failure:
    status: int
    should_retry: bool | None
    path_end: str = ""


@dataclass
class _State:
    customers: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    checkout_sessions: dict[str, dict] = field(default_factory=dict)
    prices: dict[str, dict] = field(default_factory=dict)
    idempotent: dict[str, tuple[str, dict, int, dict]] = field(default_factory=dict)


def unreachable_base_url() -> str:
    """An address on this machine where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    """A one-level hash of form parameters: `metadata[plan]=PRO` gives {"plan": "PRO"}."""
    prefix = f"{name}["
    return {key[len(prefix) : -1]: value for key, value in params.items() if key.startswith(prefix) and "][" not in key}


class StripeError(Exception):
    def __init__(self, status: int, error_type: str, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": error_type, "message": message, **({"code": code} if code else {})}}


class FakeStripe:
    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self.down = False
        self.latency = 0.0
        self._failures: list[_Failure] = []
        self._state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

            def log_message(self, *args):
                pass  # quiet: tests read `requests` instead

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what tests set up and read

    def fail_next(
        self, count: int = 1, *, status: int = 500, should_retry: bool | None = None, path_end: str = ""
    ) -> None:
        """Fails the next `count` requests (only those whose path ends with `path_end`)."""
        with self._lock:
            self._failures.extend(_Failure(status, should_retry, path_end) for _ in range(count))

    def add_customer(self, customer_id: str | None = None, **fields) -> str:
        customer = stripe_objects.example("customer")
        customer.update(id=customer_id or stripe_objects.new_id("cus"), **fields)
        with self._lock:
            self._state.customers[customer["id"]] = customer
        return customer["id"]

    def put_subscription(self, subscription: dict) -> dict:
        """Stripe's current state of a subscription (what a re-fetch returns from now on)."""
        with self._lock:
            self._state.subscriptions[subscription["id"]] = subscription
        return subscription

    def subscription(self, subscription_id: str) -> dict:
        with self._lock:
            return self._state.subscriptions[subscription_id]

    def put_price(self, price_id: str, *, unit_amount: int | None, currency: str = "eur", interval: str = "month"):
        """A recurring price as Stripe describes it (GET /v1/prices/<id>)."""
        price = stripe_objects.example("price")
        price.update(id=price_id, unit_amount=unit_amount, currency=currency, lookup_key=None)
        price["unit_amount_decimal"] = None if unit_amount is None else str(unit_amount)
        price["recurring"] = {**price["recurring"], "interval": interval}
        with self._lock:
            self._state.prices[price_id] = price
        return price

    def put_checkout_session(self, session: dict) -> dict:
        with self._lock:
            self._state.checkout_sessions[session["id"]] = session
        return session

    @property
    def customers(self) -> dict[str, dict]:
        with self._lock:
            return dict(self._state.customers)

    @property
    def checkout_sessions(self) -> dict[str, dict]:
        with self._lock:
            return dict(self._state.checkout_sessions)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests for `path` (a `*` matches one path segment)."""
        pattern = re.compile("^" + re.escape(path).replace(r"\*", "[^/]+") + "$")
        return [r for r in list(self.requests) if r.method == method and pattern.match(r.path)]

    # --- the HTTP side

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(body if handler.command == "POST" else url.query, keep_blank_values=True))
        request = RecordedRequest(
            method=handler.command,
            path=url.path,
            params=params,
            idempotency_key=handler.headers.get("Idempotency-Key"),
            stripe_version=handler.headers.get("Stripe-Version"),
            authorization=handler.headers.get("Authorization"),
        )
        with self._lock:
            self.requests.append(request)
            request_id = f"req_fake{next(self._ids):06d}"
            failure = next((f for f in self._failures if request.path.endswith(f.path_end)), None)
            if failure is not None:
                self._failures.remove(failure)
            elif self.down:
                failure = _Failure(500, None)
        if self.latency:
            time.sleep(self.latency)
        headers = {"Request-Id": request_id}
        if failure is not None:
            if failure.should_retry is not None:
                headers["Stripe-Should-Retry"] = "true" if failure.should_retry else "false"
            status, payload = failure.status, {"error": {"type": "api_error", "message": "Fake Stripe is down."}}
        else:
            status, payload, replayed = self._answer(request)
            if replayed:
                headers["Idempotent-Replayed"] = "true"
        raw = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)

    def _answer(self, request: RecordedRequest) -> tuple[int, dict, bool]:
        with self._lock:
            if request.method == "POST" and request.idempotency_key in self._state.idempotent:
                path, params, status, payload = self._state.idempotent[request.idempotency_key]
                if (path, params) != (request.path, request.params):
                    return 400, StripeError(400, "idempotency_error", "Keys reused with other parameters.").body, False
                return status, payload, True
            try:
                status, payload = 200, self._route(request)
            except StripeError as exc:
                status, payload = exc.status, exc.body
            if request.method == "POST" and request.idempotency_key:
                self._state.idempotent[request.idempotency_key] = (request.path, request.params, status, payload)
            return status, payload, False

    def _route(self, request: RecordedRequest) -> dict:
        parts = request.path.strip("/").split("/")
        routes = {
            ("POST", "v1/customers"): self._create_customer,
            ("POST", "v1/checkout/sessions"): self._create_checkout_session,
            ("POST", "v1/billing_portal/sessions"): self._create_portal_session,
            ("GET", "v1/subscriptions"): self._list_subscriptions,
        }
        exact = routes.get((request.method, "/".join(parts)))
        if exact is not None:
            return exact(request.params)
        if request.method == "GET" and parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            return self._found(self._state.subscriptions, parts[2], "subscription")
        if request.method == "GET" and parts[:2] == ["v1", "prices"] and len(parts) == 3:
            return self._found(self._state.prices, parts[2], "price")
        if request.method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
            return self._retrieve_checkout_session(parts[3], request.params)
        if request.method == "POST" and parts[:3] == ["v1", "checkout", "sessions"] and parts[4:] == ["expire"]:
            return self._expire_checkout_session(parts[3])
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")

    @staticmethod
    def _found(objects: dict, object_id: str, kind: str) -> dict:
        if object_id not in objects:
            raise StripeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing")
        return objects[object_id]

    def _customer(self, customer_id: str) -> dict:
        try:
            return self._found(self._state.customers, customer_id, "customer")
        except StripeError as exc:
            exc.status = 400
            raise

    def _create_customer(self, params: dict) -> dict:
        customer = stripe_objects.example("customer")
        customer.update(
            id=stripe_objects.new_id("cus"),
            name=params.get("name"),
            email=params.get("email"),
            preferred_locales=[params["preferred_locales[0]"]] if "preferred_locales[0]" in params else [],
            metadata=_nested(params, "metadata"),
            discount=None,
        )
        self._state.customers[customer["id"]] = customer
        return customer

    def _create_checkout_session(self, params: dict) -> dict:
        self._customer(params["customer"])
        session = stripe_objects.checkout_session(
            customer=params["customer"], tenant_id=int(params["client_reference_id"]), subscription_id=None
        )
        now = int(time.time())
        session.update(
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            metadata=_nested(params, "metadata"),
            created=now,
            expires_at=now + 24 * 3600,  # Stripe's default
        )
        self._state.checkout_sessions[session["id"]] = session
        return session

    def _expire_checkout_session(self, session_id: str) -> dict:
        session = self._found(self._state.checkout_sessions, session_id, "checkout.session")
        if session["status"] != "open":
            raise StripeError(
                400, "invalid_request_error", f"This Checkout Session is {session['status']}: it cannot be expired."
            )
        session.update(status="expired", url=None)
        return session

    def _create_portal_session(self, params: dict) -> dict:
        self._customer(params["customer"])
        portal = stripe_objects.example("billing_portal.session")
        portal_id = stripe_objects.new_id("bps")
        portal.update(
            id=portal_id,
            customer=params["customer"],
            return_url=params["return_url"],
            flow=None,
            url=f"https://billing.stripe.com/p/session/test_{portal_id}",
        )
        return portal

    def _retrieve_checkout_session(self, session_id: str, params: dict) -> dict:
        session = dict(self._found(self._state.checkout_sessions, session_id, "checkout.session"))
        expand = {value for key, value in params.items() if key.startswith("expand[")}
        if "subscription" in expand and session.get("subscription") in self._state.subscriptions:
            session["subscription"] = self._state.subscriptions[session["subscription"]]
        return session

    def _list_subscriptions(self, params: dict) -> dict:
        status = params.get("status")
        found = [
            sub
            for sub in self._state.subscriptions.values()
            if sub["customer"] == params.get("customer")
            and (status == "all" or (status is None and sub["status"] != "canceled") or sub["status"] == status)
        ]
        found.sort(key=lambda sub: sub["created"], reverse=True)
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/subscriptions"}
