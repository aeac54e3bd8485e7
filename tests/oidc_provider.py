"""A small OpenID Connect provider speaking the protocol over HTTP, for sign-in tests.

It behaves like ProConnect on the points LDA relies on: authorization code flow, RS256-signed ID
token carrying `nonce` and `acr`, signed userinfo (`application/jwt`), keys published as JWKS.
The identity it vouches for is set by the test (`provider.identity = {...}`).
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "lda-test"
CLIENT_SECRET = "secret-de-test-du-client-oidc"
KID = "cle-de-test"


class Provider:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.identity = {"email": "", "acr": "eidas2", "given_name": "Camille", "usual_name": "Martin"}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", content_type="application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                        return self._send(400, b'{"error": "invalid_request"}')
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {**query, "identity": dict(provider.identity)}
                    target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                    return self._send(302, headers={"Location": target})
                if url.path == "/jwks":
                    return self._send(200, json.dumps(provider.jwks()).encode())
                if url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = provider.tokens.get(token)
                    if grant is None:
                        return self._send(401, b'{"error": "invalid_token"}')
                    identity = grant["identity"]
                    claims = {
                        "sub": "sub-" + identity["email"],
                        "email": identity["email"],
                        "given_name": identity["given_name"],
                        "usual_name": identity["usual_name"],
                        "iss": provider.url,
                        "aud": CLIENT_ID,
                    }
                    return self._send(200, provider.sign(claims).encode(), "application/jwt")
                return self._send(404)

            def do_POST(self):
                if urlparse(self.path).path != "/token":
                    return self._send(404)
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                grant = provider.codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self._send(400, b'{"error": "invalid_grant"}')
                now = int(time.time())
                identity = grant["identity"]
                id_token = provider.sign(
                    {
                        "iss": provider.url,
                        "aud": CLIENT_ID,
                        "sub": "sub-" + identity["email"],
                        "iat": now,
                        "exp": now + 60,
                        "nonce": grant.get("nonce"),
                        "acr": identity["acr"],
                    }
                )
                access_token = secrets.token_urlsafe(16)
                provider.tokens[access_token] = grant
                body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 60, "id_token": id_token}
                return self._send(200, json.dumps(body).encode())

        return Handler
