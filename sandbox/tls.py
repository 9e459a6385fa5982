"""A local certificate authority, made on first run, and a server certificate that also names
the real providers' hosts, so a client whose DNS points here and that trusts ``ca.pem`` works
unmodified."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = [
    "localhost",
    "admin.googleapis.com",
    "oauth2.googleapis.com",
    "www.googleapis.com",
    "graph.microsoft.com",
    "login.microsoftonline.com",
]
SERVER_IPS = ["127.0.0.1", "::1"]


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def ensure_certificates(state_dir: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server-key.pem) in ``state_dir``, created when missing."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca_pem, ca_key_pem = state_dir / "ca.pem", state_dir / "ca-key.pem"
    cert_pem, key_pem = state_dir / "server.pem", state_dir / "server-key.pem"
    now = dt.datetime.now(dt.UTC)
    if not (ca_pem.exists() and ca_key_pem.exists()):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "School in the Cloud sandbox CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(ca_key_pem, ca_key)
        ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_pem.unlink(missing_ok=True)
    if not (cert_pem.exists() and key_pem.exists()):
        ca_key = serialization.load_pem_private_key(ca_key_pem.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        alt_names = [x509.DNSName(n) for n in SERVER_NAMES] + [
            x509.IPAddress(ipaddress.ip_address(i)) for i in SERVER_IPS
        ]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(key_pem, key)
        cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ca_pem, cert_pem, key_pem
