#!/usr/bin/env python3
"""A loopback stand-in for Azure Key Vault keys (REST 7.x) and Azure's token sources.

No emulator of Key Vault can be installed here, so the integration tests talk to this. It
speaks the documented request and response shapes (see PEERS_RUNBOOK.md), with real RSA:

  GET  /keys/{name}[/{version}]?api-version=7.x         -> {"key": {"kid", "kty", "n", "e"}, ...}
  POST /keys/{name}/{version}/encrypt?api-version=7.x   {"alg": "RSA-OAEP-256", "value": b64url}
  POST /keys/{name}/{version}/decrypt?api-version=7.x   same shape -> {"kid", "value": b64url}
  errors {"error": {"code": "KeyNotFound|Forbidden|BadParameter|Unauthorized", "message"}}

Keys are RSA-2048, made on first use with a random version. A key whose name starts with
`missing` does not exist (404) and one starting with `denied` refuses the caller (403). A
request without a token gets the 401 challenge Key Vault sends. Tokens are issued by:

  GET  /msi/token?api-version=2019-08-01&resource=R   App Service managed identity
       (header X-IDENTITY-HEADER: local)
  POST /{tenant}/oauth2/v2.0/token                      client-credentials grant
       (client_secret test-secret)

With --tls DIR the key API is also served over HTTPS with a certificate for
*.vault.azure.net from a CA written to DIR/ca.pem, behind a CONNECT proxy, so that clients
(sops among them) can be pointed at it with HTTPS_PROXY and SSL_CERT_FILE. Prints
"READY <http port> <https port> <proxy port>" (0 for those not started) on 127.0.0.1.
"""

import argparse
import base64
import datetime
import json
import os
import secrets
import select
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

LOCK = threading.Lock()
KEYS = {}  # name -> {version: private key}, plus "current"
TOKENS = set()
STATS = {"encrypt": 0, "decrypt": 0, "get": 0, "token": 0}
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_versions(name):
    with LOCK:
        if name not in KEYS:
            version = secrets.token_hex(16)
            KEYS[name] = {"current": version, version: rsa.generate_private_key(65537, 2048)}
        return KEYS[name]


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-azkv/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def issue(self, resource):
        token = "issued-" + secrets.token_hex(16)
        with LOCK:
            TOKENS.add(token)
            STATS["token"] += 1
        return {"access_token": token, "expires_on": str(int(time.time()) + 3600),
                "expires_in": 3600, "resource": resource, "token_type": "Bearer"}

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/stats":
            with LOCK:
                return self.reply(200, dict(STATS))
        if url.path == "/msi/token":
            if self.headers.get("X-IDENTITY-HEADER") != "local":
                return self.reply(401, {"error": "unauthorized", "error_description": "bad X-IDENTITY-HEADER"})
            resource = query.get("resource", [""])[0]
            if resource != "https://vault.azure.net":
                return self.reply(400, {"error": "invalid_resource", "error_description": "unexpected resource %r" % resource})
            return self.reply(200, self.issue(resource))
        return self.keys("GET", url, query)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        if url.path.endswith("/oauth2/v2.0/token"):
            form = urllib.parse.parse_qs(self.body().decode())
            if form.get("client_secret", [""])[0] != "test-secret":
                return self.reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
            if form.get("scope", [""])[0] != "https://vault.azure.net/.default":
                return self.reply(400, {"error": "invalid_scope", "error_description": "bad scope"})
            return self.reply(200, self.issue("https://vault.azure.net"))
        return self.keys("POST", url, urllib.parse.parse_qs(url.query))

    def keys(self, method, url, query):
        parts = url.path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "keys":
            return self.error(404, "NotFound", "no such path")
        if not query.get("api-version"):
            return self.error(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and auth[7:] in TOKENS):
            body = self.body() if method == "POST" else b""
            return self.reply(401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}, [
                ("WWW-Authenticate", 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"')])
        name = parts[1]
        if name.startswith("missing"):
            return self.error(404, "KeyNotFound", "A key with (name/id) %s was not found in this key vault." % name)
        if name.startswith("denied"):
            return self.error(403, "Forbidden", "The user, group or application does not have keys decrypt permission on key vault.")
        versions = key_versions(name)
        version = parts[2] if len(parts) > 2 and parts[2] else versions["current"]
        if version not in versions:
            return self.error(404, "KeyNotFound", "A key with (name/id) %s/%s was not found in this key vault." % (name, version))
        key = versions[version]
        kid = "https://%s/keys/%s/%s" % (self.headers.get("Host", "localhost"), name, version)
        op = parts[3] if len(parts) > 3 else None
        if method == "GET" and op is None:
            with LOCK:
                STATS["get"] += 1
            numbers = key.public_key().public_numbers()
            return self.reply(200, {"key": {"kid": kid, "kty": "RSA", "key_ops": ["encrypt", "decrypt"],
                                            "n": b64url(numbers.n.to_bytes(256, "big")),
                                            "e": b64url(numbers.e.to_bytes(3, "big"))},
                                    "attributes": {"enabled": True}})
        if method != "POST" or op not in ("encrypt", "decrypt"):
            return self.error(405, "BadParameter", "unsupported operation")
        try:
            request = json.loads(self.body())
            assert request["alg"] == "RSA-OAEP-256", "alg must be RSA-OAEP-256"
            value = unb64url(request["value"])
        except Exception as e:
            return self.error(400, "BadParameter", "Invalid request: %s" % e)
        with LOCK:
            STATS[op] += 1
        try:
            result = key.public_key().encrypt(value, OAEP) if op == "encrypt" else key.decrypt(value, OAEP)
        except Exception:
            return self.error(400, "BadParameter", "Error occurred while decrypting: the ciphertext is invalid.")
        return self.reply(200, {"kid": kid, "value": b64url(result)})


def make_tls(directory):
    """A CA and a server certificate for *.vault.azure.net, 127.0.0.1 and localhost."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(65537, 2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secrets test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(65537, 2048)
    import ipaddress
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vault.azure.net")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("*.vault.azure.net"), x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "server.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "server.key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return os.path.join(directory, "server.pem"), os.path.join(directory, "server.key")


def connect_proxy(listener, target_port):
    """Tunnels every CONNECT to the HTTPS port (any other request is refused)."""
    def serve(client):
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            if not head.startswith(b"CONNECT "):
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(("127.0.0.1", target_port))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            rest = head.split(b"\r\n\r\n", 1)[1]
            if rest:
                upstream.sendall(rest)
            sockets = [client, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is client else client).sendall(data)
        except OSError:
            pass
        finally:
            client.close()

    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", help="also serve HTTPS behind a CONNECT proxy; CA and certificate go here")
    args = parser.parse_args()
    http = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    https_port = proxy_port = 0
    if args.tls:
        cert, key = make_tls(args.tls)
        https = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        https.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        https.socket = context.wrap_socket(https.socket, server_side=True)
        https_port = https.server_address[1]
        threading.Thread(target=https.serve_forever, daemon=True).start()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        proxy_port = listener.getsockname()[1]
        threading.Thread(target=connect_proxy, args=(listener, https_port), daemon=True).start()
    print("READY %d %d %d" % (http.server_address[1], https_port, proxy_port), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
