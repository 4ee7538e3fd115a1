#!/usr/bin/env python3
"""A loopback stand-in for Google Cloud KMS (REST v1) and Google's token sources.

No emulator of Cloud KMS exists, so the integration tests talk to this. It speaks the
documented request and response shapes (see PEERS_RUNBOOK.md), with real cryptography:

  POST /v1/{projects/*/locations/*/keyRings/*/cryptoKeys/*}:encrypt  {"plaintext": b64}
       -> {"name": ".../cryptoKeyVersions/1", "ciphertext": b64, ...}
  POST /v1/{...}:decrypt  {"ciphertext": b64} -> {"plaintext": b64, ...}
  errors {"error": {"code": 400|401|403|404, "message": ..., "status": ...}}

Keys are AES-256-GCM, one per name, made on first use. A key whose name starts with
`missing` does not exist (404) and one starting with `denied` refuses the caller (403).
Requests need `Authorization: Bearer TOKEN`, where TOKEN is `--token` or one this server
issued from:

  POST /token  service-account JWT bearer grant (the RS256 signature is verified against the
               key of the credentials file written to --sa-file) or refresh-token grant
  GET  /computeMetadata/v1/instance/service-accounts/default/token  (Metadata-Flavor: Google)

GET /stats gives request counts. Prints "READY <port>" when listening on 127.0.0.1.
"""

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LOCK = threading.Lock()
KEYS = {}
TOKENS = set()
STATS = {"encrypt": 0, "decrypt": 0, "token": 0, "metadata": 0}


def b64d(text):
    return base64.b64decode(text, validate=True)


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_for(name):
    with LOCK:
        if name not in KEYS:
            KEYS[name] = AESGCM.generate_key(bit_length=256)
        return KEYS[name]


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-gcpkms/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, status, message):
        self.reply(code, {"error": {"code": code, "message": message, "status": status}})

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length)

    def authorised(self):
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[len("Bearer "):] in TOKENS

    def issue(self):
        token = "issued-" + secrets.token_hex(16)
        with LOCK:
            TOKENS.add(token)
            STATS["token"] += 1
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.reply(200, dict(STATS))
        if self.path.startswith("/computeMetadata/v1/instance/service-accounts/default/token"):
            if self.headers.get("Metadata-Flavor") != "Google":
                return self.error(403, "PERMISSION_DENIED", "missing Metadata-Flavor header")
            with LOCK:
                STATS["metadata"] += 1
            return self.reply(200, self.issue())
        self.error(404, "NOT_FOUND", "no such path")

    def do_POST(self):
        if self.path == "/token":
            return self.token(urllib.parse.parse_qs(self.body().decode()))
        path = urllib.parse.urlparse(self.path).path
        if not path.startswith("/v1/") or ":" not in path:
            return self.error(404, "NOT_FOUND", "no such path")
        name, op = path[len("/v1/"):].rsplit(":", 1)
        parts = name.split("/")
        if len(parts) != 8 or parts[0::2] != ["projects", "locations", "keyRings", "cryptoKeys"]:
            return self.error(400, "INVALID_ARGUMENT", "Resource name [%s] does not match any known resource name pattern." % name)
        try:
            request = json.loads(self.body() or b"{}")
        except ValueError:
            return self.error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        if not self.authorised():
            return self.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        key_name = parts[-1]
        if key_name.startswith("missing"):
            return self.error(404, "NOT_FOUND", "CryptoKey %s not found." % name)
        if key_name.startswith("denied"):
            return self.error(403, "PERMISSION_DENIED", "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource '%s' (or it may not exist)." % name)
        aad = b64d(request["additionalAuthenticatedData"]) if request.get("additionalAuthenticatedData") else b""
        aes = AESGCM(key_for(name))
        if op == "encrypt":
            if "plaintext" not in request:
                return self.error(400, "INVALID_ARGUMENT", "plaintext is required")
            nonce = os.urandom(12)
            ciphertext = nonce + aes.encrypt(nonce, b64d(request["plaintext"]), aad)
            with LOCK:
                STATS["encrypt"] += 1
            return self.reply(200, {
                "name": name + "/cryptoKeyVersions/1",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "verifiedPlaintextCrc32c": False,
                "verifiedAdditionalAuthenticatedDataCrc32c": False,
                "protectionLevel": "SOFTWARE",
            })
        if op == "decrypt":
            with LOCK:
                STATS["decrypt"] += 1
            try:
                blob = b64d(request["ciphertext"])
                plaintext = aes.decrypt(blob[:12], blob[12:], aad)
            except Exception:
                return self.error(400, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.")
            return self.reply(200, {
                "plaintext": base64.b64encode(plaintext).decode(),
                "usedPrimary": True,
                "protectionLevel": "SOFTWARE",
            })
        return self.error(404, "NOT_FOUND", "unknown method %s" % op)

    def token(self, form):
        grant = form.get("grant_type", [""])[0]
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                header, claims, signature = form["assertion"][0].split(".")
                self.server.sa_key.public_key().verify(
                    b64url_decode(signature), (header + "." + claims).encode(),
                    padding.PKCS1v15(), hashes.SHA256())
                claims = json.loads(b64url_decode(claims))
                assert claims["iss"] == self.server.sa_email
                assert claims["scope"] == "https://www.googleapis.com/auth/cloudkms"
                assert claims["exp"] > time.time()
            except Exception as e:
                return self.reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: %r" % e})
            return self.reply(200, self.issue())
        if grant == "refresh_token":
            if form.get("refresh_token", [""])[0] != "test-refresh-token":
                return self.reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            return self.reply(200, self.issue())
        return self.reply(400, {"error": "unsupported_grant_type", "error_description": grant})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="test-token", help="a bearer token accepted as is")
    parser.add_argument("--sa-file", help="write a service-account credentials file here")
    args = parser.parse_args()
    TOKENS.add(args.token)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    server.sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server.sa_email = "sops@test-project.iam.gserviceaccount.com"
    if args.sa_file:
        pem = server.sa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        with open(args.sa_file, "w") as f:
            json.dump({
                "type": "service_account",
                "project_id": "test-project",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": server.sa_email,
                "client_id": "1",
                "token_uri": "http://127.0.0.1:%d/token" % port,
            }, f)
    print("READY %d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
