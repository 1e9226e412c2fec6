"""A loopback stand-in for Globus Transfer (transfer.api.globus.org, API v0.10) and Globus Auth
(auth.globus.org), used by the Transfer and login tests.

It replaces the two cloud services only; the real ``globus_sdk`` clients and apps talk to it
over HTTP. Contract followed (the documented request/response shapes that globus-sdk 4.x
sends and parses):

Transfer: ``GET /v0.10/endpoint_search`` (``filter_fulltext``), ``GET /v0.10/submission_id``,
``POST /v0.10/transfer`` and ``POST /v0.10/delete`` (a task document -> ``task_id``),
``GET /v0.10/task/<id>`` (``status`` ACTIVE/SUCCEEDED/FAILED, ``fatal_error``) and
``POST /v0.10/task/<id>/cancel``. Each collection is a directory; a task really copies or
deletes files under it (before the submit is answered, except on a stalled collection). Unknown collections answer 404
``EndpointNotFound``; a collection marked ``needs_consent`` answers 403 ``ConsentRequired``
with ``required_scopes``; a collection marked ``stalled`` keeps its tasks ACTIVE until cancelled.
Requests need ``Authorization: Bearer <token>`` with a token this stand-in issued or was told to
accept; otherwise 401 ``AuthenticationFailed``.

Auth: ``/.well-known/openid-configuration`` and its JWKS (RS256 key made at start),
``GET /v2/oauth2/authorize`` (what the user's browser would visit: returns the code),
``POST /v2/oauth2/token`` (authorization_code with PKCE verifier, refresh_token,
client_credentials) returning one token per resource server with a signed ``id_token``,
and ``POST /v2/oauth2/token/revoke``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from standin_http import send_json

#: Resource server of each scope string the stand-in grants.
RESOURCE_SERVERS = {
    "openid": "auth.globus.org", "profile": "auth.globus.org", "email": "auth.globus.org",
    "urn:globus:auth:scope:transfer.api.globus.org:all": "transfer.api.globus.org",
    "https://auth.globus.org/scopes/facd7ccc-c5f4-42aa-916b-a0e270e2c2a9/all": "funcx_service",
}


@dataclass
class Collection:
    id: str
    display_name: str
    root: Path
    needs_consent: bool = False
    stalled: bool = False
    owner: str = "tester@example.org"


@dataclass
class TransferTask:
    id: str
    kind: str
    document: dict[str, Any]
    status: str = "ACTIVE"
    fatal_error: dict[str, str] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)


class TransferAuthService:
    """Serve Transfer and Auth on 127.0.0.1 (a free port); ``url`` ends with '/'."""

    def __init__(self, identity: str | None = None):
        self.identity = identity or str(uuid.uuid4())
        self.collections: dict[str, Collection] = {}
        self.tasks: dict[str, TransferTask] = {}
        self.valid_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, list[str]] = {}
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_collection(self, display_name: str, root: Path, **flags: Any) -> Collection:
        root.mkdir(parents=True, exist_ok=True)
        collection = Collection(str(uuid.uuid4()), display_name, root, **flags)
        self.collections[collection.id] = collection
        return collection

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- Auth ------------------------------------------------------------------------------

    def _id_token(self, client_id: str) -> str:
        now = int(time.time())
        claims = {"sub": self.identity, "aud": client_id, "iss": self.url.rstrip("/"), "iat": now,
                  "exp": now + 3600, "preferred_username": "tester@example.org"}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": "standin"})

    def _issue(self, scopes: list[str], client_id: str, with_refresh: bool) -> dict[str, Any]:
        grouped: dict[str, list[str]] = {}
        for scope in scopes:
            server = RESOURCE_SERVERS.get(scope) or scope.split("/scopes/")[-1].split("/")[0]
            grouped.setdefault(server, []).append(scope)
        tokens = []
        for server, granted in grouped.items():
            access = f"AT-{secrets.token_hex(8)}"
            self.valid_tokens.add(access)
            token = {"access_token": access, "scope": " ".join(granted), "resource_server": server,
                     "expires_in": 3600, "token_type": "Bearer", "state": "_default"}
            if with_refresh:
                refresh = f"RT-{secrets.token_hex(8)}"
                self.refresh[refresh] = granted
                token["refresh_token"] = refresh
            tokens.append(token)
        first = next((t for t in tokens if t["resource_server"] == "auth.globus.org"), tokens[0])
        identity = {"id_token": self._id_token(client_id)} if "openid" in scopes else {}
        return {**first, **identity, "other_tokens": [t for t in tokens if t is not first]}

    def _jwk(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()

        def b64(n: int) -> str:
            return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "standin", "n": b64(numbers.n),
                          "e": b64(numbers.e)}]}

    def _auth(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, list[str]],
              headers: Any) -> tuple[int, dict[str, Any]]:
        one = {k: v[0] for k, v in {**query, **form}.items()}
        if path == "/.well-known/openid-configuration":
            return 200, {"issuer": self.url.rstrip("/"), "jwks_uri": f"{self.url}jwk.json",
                         "id_token_signing_alg_values_supported": ["RS256"]}
        if path == "/jwk.json":
            return 200, self._jwk()
        if path == "/v2/oauth2/authorize":
            code = secrets.token_hex(8)
            self.codes[code] = one
            return 200, {"code": code}
        if path == "/v2/oauth2/token/revoke":
            token = one.get("token", "")
            self.revoked.append(token)
            self.valid_tokens.discard(token)
            self.refresh.pop(token, None)
            return 200, {"active": False}
        if path == "/v2/oauth2/token":
            grant = one.get("grant_type")
            if grant == "authorization_code":
                request = self.codes.pop(one.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(one.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
                if request is None or request.get("code_challenge") != challenge:
                    return 400, {"error": "invalid_grant"}
                return 200, self._issue(request["scope"].split(), request["client_id"], True)
            if grant == "refresh_token":
                scopes = self.refresh.get(one.get("refresh_token", ""))
                if scopes is None:
                    return 400, {"error": "invalid_grant"}
                return 200, self._issue(scopes, one.get("client_id", "client"), True)
            if grant == "client_credentials":
                basic = base64.b64decode(headers.get("Authorization", "Basic ").split(" ", 1)[1] or b"").decode()
                client_id = basic.split(":", 1)[0]
                return 200, self._issue(one.get("scope", "").split(), client_id, False)
            return 400, {"error": "unsupported_grant_type"}
        return 404, {"code": "NotFound", "message": path}

    # -- Transfer --------------------------------------------------------------------------

    def _local(self, collection: Collection, path: str) -> Path:
        target = (collection.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(collection.root.resolve()):
            raise PermissionError(f"{path} is outside the collection")
        return target

    def _collection(self, collection_id: str) -> Collection | None:
        return self.collections.get(collection_id)

    def _run(self, task: TransferTask) -> None:
        doc = task.document
        try:
            if task.kind == "transfer":
                src, dst = self.collections[doc["source_endpoint"]], self.collections[doc["destination_endpoint"]]
                if src.stalled or dst.stalled:
                    task.cancelled.wait(60)
                    return
                for item in doc["DATA"]:
                    source, dest = self._local(src, item["source_path"]), self._local(dst, item["destination_path"])
                    if not source.exists():
                        raise FileNotFoundError(f"{item['source_path']} not found on {src.display_name}")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if source.is_dir():
                        if not item.get("recursive"):
                            raise IsADirectoryError(f"{item['source_path']} is a directory; recursive not set")
                        shutil.copytree(source, dest, dirs_exist_ok=True)
                    else:
                        shutil.copy2(source, dest)
            else:
                target = self.collections[doc["endpoint"]]
                for item in doc["DATA"]:
                    path = self._local(target, item["path"])
                    if path.is_dir():
                        if not doc.get("recursive"):
                            raise IsADirectoryError(f"{item['path']} is a directory; recursive not set")
                        shutil.rmtree(path)
                    elif path.exists():
                        path.unlink()
                    else:
                        raise FileNotFoundError(f"{item['path']} not found on {target.display_name}")
            task.status = "SUCCEEDED"
        except OSError as exc:
            task.fatal_error = {"code": type(exc).__name__.upper(), "description": str(exc)}
            task.status = "FAILED"

    def _submit(self, kind: str, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ids = [doc["source_endpoint"], doc["destination_endpoint"]] if kind == "transfer" else [doc["endpoint"]]
        for collection_id in ids:
            collection = self._collection(collection_id)
            if collection is None:
                return 404, {"code": "EndpointNotFound", "message": f"No such endpoint '{collection_id}'",
                             "request_id": "standin", "resource": f"/{kind}"}
            if collection.needs_consent:
                scope = f"https://auth.globus.org/scopes/{collection.id}/data_access"
                return 403, {"code": "ConsentRequired", "message": "Missing required data_access consent",
                             "request_id": "standin", "resource": f"/{kind}", "required_scopes": [scope],
                             "authorization_parameters": {"session_message": "consent", "required_scopes": [scope]}}
        task = TransferTask(str(uuid.uuid4()), kind, doc)
        self.tasks[task.id] = task
        if any(self.collections[c].stalled for c in ids):
            threading.Thread(target=self._run, args=(task,), daemon=True).start()
        else:  # small local copies finish before the first status poll
            self._run(task)
        return 202, {"DATA_TYPE": f"{kind}_result", "task_id": task.id, "submission_id": doc.get("submission_id"),
                     "code": "Accepted", "message": "The task was accepted", "request_id": "standin"}

    def _transfer(self, method: str, path: str, query: dict[str, list[str]],
                  body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        route = path.removeprefix("/v0.10")
        if method == "GET" and route == "/endpoint_search":
            text = query.get("filter_fulltext", [""])[0].lower()
            found = [{"DATA_TYPE": "endpoint", "id": c.id, "display_name": c.display_name,
                      "owner_string": c.owner} for c in self.collections.values() if text in c.display_name.lower()]
            return 200, {"DATA_TYPE": "endpoint_list", "DATA": found, "has_next_page": False, "offset": 0,
                         "limit": 100}
        if method == "GET" and route == "/submission_id":
            return 200, {"DATA_TYPE": "submission_id", "value": str(uuid.uuid4())}
        if method == "POST" and route in ("/transfer", "/delete"):
            return self._submit(route[1:], body)
        parts = route.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "task" and parts[1] in self.tasks:
            task = self.tasks[parts[1]]
            if method == "POST" and parts[2:] == ["cancel"]:
                task.status, task.fatal_error = "FAILED", {"code": "CANCELED", "description": "canceled"}
                task.cancelled.set()
                return 200, {"DATA_TYPE": "result", "code": "Canceled", "message": "The task has been cancelled."}
            if method == "GET" and len(parts) == 2:
                return 200, {"DATA_TYPE": "task", "task_id": task.id, "type": task.kind.upper(),
                             "status": task.status, "nice_status": task.status, "fatal_error": task.fatal_error}
        return 404, {"code": "ClientError.NotFound", "message": f"no route {method} {path}", "request_id": "standin"}

    # -- HTTP ------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self, method: str) -> None:
                parsed = urlparse(self.path)
                service.requests.append((method, parsed.path))
                query = parse_qs(parsed.query)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parsed.path.startswith("/v0.10/"):
                    auth = self.headers.get("Authorization", "")
                    if not auth.startswith("Bearer ") or auth[7:] not in service.valid_tokens:
                        status, body = 401, {"code": "AuthenticationFailed", "message": "Token is not active",
                                             "request_id": "standin"}
                    else:
                        status, body = service._transfer(method, parsed.path, query,
                                                          json.loads(raw) if raw else {})
                else:
                    form = parse_qs(raw.decode()) if raw else {}
                    status, body = service._auth(method, parsed.path, query, form, self.headers)
                send_json(self, status, body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        return Handler
