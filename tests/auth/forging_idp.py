"""A small real OpenID Connect provider that can hand out bad ID tokens on purpose.

oidc-provider-mock always signs correctly for the client that asks. The cases it cannot make
(a token signed with a key the issuer never published, for another audience, expired, with a
foreign nonce or issuer, unsigned) come from this process: discovery, JWKS, an authorization
endpoint that answers at once and a token endpoint that checks the code, the redirect URI and
the PKCE verifier, then signs whatever `PUT /mode` chose. Run:
`python -m tests.auth.forging_idp --port N`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

MODES = ("good", "wrong-key", "wrong-aud", "expired", "wrong-nonce", "wrong-iss", "alg-none")


def create_app(port: int) -> Flask:
    """The provider app for http://127.0.0.1:<port>."""
    app = Flask(__name__)
    issuer = f"http://127.0.0.1:{port}"
    published = RSAKey.generate_key(2048, parameters={"kid": "published"})
    forger = RSAKey.generate_key(2048, parameters={"kid": "published"})  # same kid, other key
    state = {"mode": "good", "claims": {}, "codes": {}}

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            end_session_endpoint=f"{issuer}/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[published.as_dict(private=False)])

    @app.put("/mode")
    def set_mode():
        body = request.get_json()
        if body.get("mode") not in MODES:
            return "unknown mode", 400
        state["mode"] = body["mode"]
        state["claims"] = body.get("claims", {})
        return "", 204

    @app.get("/authorize")
    def authorize():
        args = request.args
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            return "PKCE (S256) required", 400
        code = secrets.token_urlsafe(16)
        state["codes"][code] = {
            "client_id": args["client_id"],
            "redirect_uri": args["redirect_uri"],
            "nonce": args.get("nonce"),
            "challenge": args["code_challenge"],
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return redirect(f"{args['redirect_uri']}?{query}")

    @app.post("/token")
    def token():
        form = request.form
        grant = state["codes"].pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["challenge"]
        ):
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        mode = state["mode"]
        claims = {
            "iss": "https://elders.example" if mode == "wrong-iss" else issuer,
            "sub": "forged-1",
            "aud": "another-client" if mode == "wrong-aud" else grant["client_id"],
            "iat": now - 7200 if mode == "expired" else now,
            "exp": now - 3600 if mode == "expired" else now + 300,
            "nonce": "not-your-nonce" if mode == "wrong-nonce" else grant["nonce"],
            "email": "staf@vereniging.example",
            "email_verified": True,
            **state["claims"],
        }
        if mode == "alg-none":
            header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
            payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
            id_token = f"{header}.{payload.decode()}."
        else:
            key = forger if mode == "wrong-key" else published
            id_token = jwt.encode({"alg": "RS256", "kid": "published"}, claims, key)
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=300,
            id_token=id_token,
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    create_app(port).run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
