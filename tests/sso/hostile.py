"""An issuer that says what a test tells it to: its token endpoint hands out ID tokens signed, dated
and addressed as the test wants, to show that the app refuses every one it should."""
import base64
import json
import threading
import time

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import free_port


class HostileIssuer:
    def __init__(self, key: RSAKey):
        self.key, self.port = key, free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.tokens: dict[str, str] = {}  # code -> the ID token the token endpoint answers with

    def id_token(self, *, client_id: str, nonce: str, key: RSAKey | None = None, unsigned=False, **changes) -> str:
        """An ID token as the provider would issue it, with *changes* (None drops a claim)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "hostile-1", "aud": client_id, "iat": now, "exp": now + 300,
                  "nonce": nonce, "email": "h.ostil@example.org", "email_verified": True, "name": "H. Ostil"}
        claims = {name: value for name, value in {**claims, **changes}.items() if value is not None}
        if unsigned:  # alg "none": header and claims, no signature
            part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
            return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key or self.key)

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/.well-known/openid-configuration":
            body = {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "id_token_signing_alg_values_supported": ["RS256", "none"]}  # offering "none" too
        elif request.path == "/jwks":
            body = {"keys": [self.key.as_dict(private=False)]}
        elif request.path == "/token":
            body = {"access_token": "opaque", "token_type": "Bearer", "expires_in": 60,
                    "id_token": self.tokens[request.form["code"]]}
        else:
            return Response(status=404)(environ, start_response)
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
