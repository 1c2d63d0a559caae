"""A local stand-in for the OpenAI HTTP API (Responses and Chat Completions), for tests and
the assistant benchmark.

The application's `openai` client is pointed at it with OPENAI_BASE_URL (`base_url`), so every
call still goes through the SDK's own HTTP client, retries, timeouts, error classes and
structured-output parsing. It answers the shapes of the real API: a Responses `response`
object (`output` → `message` → `output_text` or `refusal`, `status` "completed" or
"incomplete" with `incomplete_details`, `usage` with input/output tokens) and a
`chat.completion` (`choices[0].message.content` or `.refusal`, `finish_reason`, `usage`), and
errors as `{"error": {"message", "type", "param", "code"}}` with the status code.

By default it behaves like an obedient model: it reads the application's data (the JSON of
the user message) and answers with the first insights and actions it was given, which is a
valid, grounded answer. What it answers instead:

- `reply = dict | str | callable(data) -> dict | str`: the model's text (a dict is JSON-encoded;
  a str is sent as is, e.g. malformed JSON);
- `behaviour = "refusal" | "incomplete"`: a refusal, or output cut at max_output_tokens;
- `fail_next(status, n)` / `status_always`: errors with that status (429 carries
  `retry-after-ms`, so the SDK's one retry does not wait long);
- `latency`: seconds before answering (a slow model, or a timeout).

`requests` records each call (path, JSON body, Authorization header).
"""

import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE_IN, USAGE_OUT = 812, 164
_ids = itertools.count(1)


@dataclass(frozen=True)
class RecordedCall:
    path: str
    body: dict
    authorization: str | None

    @property
    def data(self) -> dict:
        """The application's data: the JSON of the user message."""
        if self.path.endswith("/responses"):
            return json.loads(self.body["input"][0]["content"])
        return json.loads(self.body["messages"][-1]["content"])


def obedient_answer(data: dict) -> dict:
    insights = [
        {"title": i["title"], "detail": i["detail"], "severity": i["severity"], "facts": i["facts"]}
        for i in data["insights"][:3]
    ]
    return {
        "message": "Voici l’essentiel du mois, d’après vos chiffres.",
        "insights": insights,
        "action_ids": [action["id"] for action in data["actions"][:2]],
        "question": "Que voulez-vous regarder ensuite ?",
    }


class _Server(ThreadingHTTPServer):
    # Concurrency tests open dozens of connections at once: the default backlog (5) would
    # turn some into connection errors that are not the application's.
    request_queue_size = 128


class FakeOpenAI:
    def __init__(self):
        self.reply = None
        self.behaviour = "ok"
        self.latency = 0.0
        self.status_always: int | None = None
        self._failures: list[int] = []
        self.requests: list[RecordedCall] = []
        # How long each answer took here, from the request read to the answer written.
        self.handled_seconds: list[float] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- control

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # An answer leaves as one write with no Nagle delay, as a real server's does: the
            # headers and the body sent apart would wait on the client's delayed ACK.
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake._handle(self, body)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- answers

    def _handle(self, handler, body: dict) -> None:
        started = time.perf_counter()
        try:
            self._answer(handler, body)
        finally:
            with self._lock:
                self.handled_seconds.append(time.perf_counter() - started)

    def _answer(self, handler, body: dict) -> None:
        call = RecordedCall(path=handler.path, body=body, authorization=handler.headers.get("Authorization"))
        with self._lock:
            self.requests.append(call)
            status = self._failures.pop(0) if self._failures else self.status_always
        if self.latency:
            time.sleep(self.latency)
        if status is not None:
            self._send(handler, status, _error(status), retry=status == 429)
            return
        if handler.path.endswith("/responses"):
            payload = self._response(call)
        elif handler.path.endswith("/chat/completions"):
            payload = self._completion(call)
        else:
            self._send(handler, 404, _error(404))
            return
        self._send(handler, 200, payload)

    def _text(self, call: RecordedCall) -> str:
        reply = self.reply if self.reply is not None else obedient_answer
        if callable(reply):
            reply = reply(call.data)
        return reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)

    def _response(self, call: RecordedCall) -> dict:
        status, incomplete = "completed", None
        if self.behaviour == "refusal":
            content = {"type": "refusal", "refusal": "I'm sorry, I can't help with that."}
        else:
            text = self._text(call)
            if self.behaviour == "incomplete":
                status, incomplete, text = "incomplete", {"reason": "max_output_tokens"}, text[: len(text) // 2]
            content = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        return {
            "id": f"resp_{next(_ids):024x}",
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": incomplete,
            "instructions": call.body.get("instructions"),
            "max_output_tokens": call.body.get("max_output_tokens"),
            "model": call.body.get("model"),
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{next(_ids):024x}",
                    "status": "completed" if status == "completed" else "incomplete",
                    "role": "assistant",
                    "content": [content],
                }
            ],
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "store": False,
            "temperature": 1.0,
            "text": call.body.get("text", {"format": {"type": "text"}}),
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": {
                "input_tokens": USAGE_IN,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": USAGE_OUT,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": USAGE_IN + USAGE_OUT,
            },
            "user": None,
            "metadata": {},
        }

    def _completion(self, call: RecordedCall) -> dict:
        finish, content, refusal = "stop", None, None
        if self.behaviour == "refusal":
            refusal = "I'm sorry, I can't help with that."
        else:
            content = self._text(call)
            if self.behaviour == "incomplete":
                finish, content = "length", content[: len(content) // 2]
        return {
            "id": f"chatcmpl-{next(_ids):024x}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": call.body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                    "logprobs": None,
                    "finish_reason": finish,
                }
            ],
            "usage": {
                "prompt_tokens": USAGE_IN,
                "completion_tokens": USAGE_OUT,
                "total_tokens": USAGE_IN + USAGE_OUT,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    @staticmethod
    def _send(handler, status: int, payload: dict, *, retry: bool = False) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-request-id", f"req_{next(_ids):024x}")
        if retry:
            handler.send_header("retry-after-ms", "20")
        handler.end_headers()
        handler.wfile.write(data)


def _error(status: int) -> dict:
    kinds = {
        400: ("invalid_request_error", None, "Invalid request."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
        404: ("invalid_request_error", None, "Unknown path."),
        429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    }
    kind, code, message = kinds.get(status, ("server_error", None, "The server had an error processing your request."))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
