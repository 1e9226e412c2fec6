"""A loopback stand-in for the Globus Compute web service (compute.api.globus.org) and its
result stream (compute.amqps.globus.org), used by the Compute tests.

It replaces only the closed cloud service. Its contract is what the real
``globus_compute_sdk.Client`` sends and expects (globus-compute-sdk 4.x):

* ``POST /v3/functions`` with ``function_code`` -> ``{"function_uuid"}``;
* ``POST /v3/endpoints/<endpoint>/submit`` with ``tasks`` (function UUID -> packed
  argument buffers), ``task_group_id``, ``resource_specification``, ``user_endpoint_config``
  -> ``{"tasks": {function: [task ids]}, "task_group_id", "request_id", "endpoint_id"}``,
  or HTTP 404 for an endpoint it does not know;
* ``GET /v2/get_amqp_result_connection_url`` -> ``{"connection_url", "queue_prefix"}``.

Tasks run in a real Globus Compute endpoint engine (``ProcessPoolEngine``), fed the same
``messagepack`` ``Task`` message (function code + arguments) the real endpoint receives, and
the engine's packed ``Result`` is published to the queue ``<prefix><task_group_id>`` on a real
RabbitMQ broker, where the SDK's own result watcher consumes it. Every submit body is kept in
``submissions``, and each task's arguments with the endpoint configuration it came with in
``tasks``, so tests can check what the endpoint would have been sent.
"""

from __future__ import annotations

import json
import queue
import re
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pika
from globus_compute_common import messagepack
from globus_compute_common.messagepack.message_types import Task
from globus_compute_endpoint.engines import GCFuture, ProcessPoolEngine
from globus_compute_sdk.serialize import ComputeSerializer
from standin_http import send_json

#: The one endpoint UUID the stand-in serves (any other is unknown: HTTP 404).
KNOWN_ENDPOINT = "5c7a8f1e-0b6d-4e4a-9b53-0d3c2a9e7f10"
SUBMIT = re.compile(r"/v3/endpoints/([0-9a-f-]{36})/submit")


class ComputeService:
    """Serve the Compute routes on ``host:port`` for the endpoints in ``endpoints``."""

    def __init__(self, amqp_url: str, endpoints: set[str], host: str = "127.0.0.1", port: int = 5000):
        self.amqp_url = amqp_url
        self.advertised_amqp_url = amqp_url  # what clients are told; a test may point it elsewhere
        self.endpoints = set(endpoints)
        self.queue_prefix = f"chiltepin-test-{uuid.uuid4().hex[:8]}-"
        self.functions: dict[str, str] = {}
        self.submissions: list[dict[str, Any]] = []
        self.tasks: list[tuple[tuple, dict[str, Any] | None]] = []  # (task args, its endpoint config)
        self.requests: list[tuple[str, str, str | None]] = []
        self._publish: queue.Queue = queue.Queue()
        self._serde = ComputeSerializer()
        self._run_dir = tempfile.TemporaryDirectory(prefix="gc-engine-")
        self.engine = self._start_engine()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                         threading.Thread(target=self._publisher, daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- HTTP ------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                send_json(self, status, body)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self) -> None:
                service.requests.append(("GET", self.path, self.headers.get("Authorization")))
                if self.path.startswith("/v2/get_amqp_result_connection_url"):
                    self._reply(200, {"connection_url": service.advertised_amqp_url,
                                      "queue_prefix": service.queue_prefix})
                else:
                    self._reply(404, {"code": "NOT_FOUND", "error": f"no route {self.path}"})

            def do_POST(self) -> None:
                service.requests.append(("POST", self.path, self.headers.get("Authorization")))
                body = self._body()
                if self.path == "/v3/functions":
                    function_id = str(uuid.uuid4())
                    service.functions[function_id] = body["function_code"]
                    self._reply(200, {"function_uuid": function_id})
                    return
                match = SUBMIT.fullmatch(self.path)
                if match is None:
                    self._reply(404, {"code": "NOT_FOUND", "error": f"no route {self.path}"})
                    return
                endpoint = match.group(1)
                if endpoint not in service.endpoints:
                    self._reply(404, {"code": "ENDPOINT_NOT_FOUND", "error": f"Endpoint {endpoint} not found"})
                    return
                self._reply(200, service.submit(endpoint, body))

        return Handler

    # -- tasks -----------------------------------------------------------------------------

    def submit(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """Accept a batch: declare the result queue, run every task in the engine."""
        self.submissions.append({"endpoint": endpoint, **body})
        group = body.get("task_group_id") or str(uuid.uuid4())
        self._declare(self.queue_prefix + group)
        ids: dict[str, list[str]] = {}
        for function_id, payloads in body["tasks"].items():
            code = self.functions[function_id]
            for payload in payloads:
                task_id = uuid.uuid4()
                ids.setdefault(function_id, []).append(str(task_id))
                args = self._serde.deserialize(self._serde.unpack_buffers(payload)[0])
                self.tasks.append((args, body.get("user_endpoint_config")))
                future = GCFuture(task_id)
                future.add_done_callback(lambda f, g=group: self._publish.put((g, f.result())))
                packed = messagepack.pack(Task(task_id=task_id, task_buffer=code + payload))
                self.engine.submit(future, packed, body.get("resource_specification") or {})
        return {"tasks": ids, "task_group_id": group, "request_id": str(uuid.uuid4()), "endpoint_id": endpoint}

    def _declare(self, name: str) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            connection.channel().queue_declare(name, durable=False, auto_delete=False)
        finally:
            connection.close()

    def _publisher(self) -> None:
        connection = None
        while True:
            item = self._publish.get()
            if item is None:
                break
            group, result = item
            if connection is None or connection.is_closed:
                connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
                channel = connection.channel()
            channel.basic_publish(exchange="", routing_key=self.queue_prefix + group, body=result)
        if connection is not None and connection.is_open:
            connection.close()

    def _start_engine(self) -> ProcessPoolEngine:
        engine = ProcessPoolEngine(max_workers=2)
        engine.start(endpoint_id=uuid.uuid4(), run_dir=self._run_dir.name)
        return engine

    def restart_engine(self) -> None:
        """A fresh worker pool, as an endpoint restarts its workers: killing one breaks the pool."""
        self.engine.shutdown()
        self.engine = self._start_engine()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._publish.put(None)
        self._threads[1].join(timeout=10)
        self.engine.shutdown()
        self._run_dir.cleanup()
