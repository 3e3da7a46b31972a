"""XML-DSig for CAP 1.2: an enveloped RSA-SHA256 signature as the last child of ``<alert>``.

CAP 1.2 §3.3.4 allows an enveloped ``ds:Signature``; the schema's closing
``<any namespace="http://www.w3.org/2000/09/xmldsig#">`` is where it goes, so a signed alert
is still schema-valid. Verification trusts only the certificate the caller gives (not one
carried in the document) and returns just the signed content, so what is read afterwards
is exactly what was signed.
"""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from yingji.kernels.cap.model import CAP_NS, CapError
from yingji.kernels.cap.schema import MAX_BYTES, parse_safely, validate

__all__ = ["sign", "verify"]

_EXPECT = SignatureConfiguration(
    location="./",  # a child of <alert>, nowhere deeper
    signature_methods=frozenset(
        {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
    ),
    digest_algorithms=frozenset(
        {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
    ),
)


def _serialise(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def sign(xml_bytes: bytes, key_pem: bytes | str, cert_pem: bytes | str) -> bytes:
    """Sign a CAP 1.2 document (enveloped, RSA-SHA256, SHA-256 digests, X.509 in KeyInfo)."""
    root = parse_safely(xml_bytes)
    validate(root)
    cert = cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256
    )
    try:
        signed = signer.sign(root, key=key_pem, cert=cert)
    except (SignXMLException, ValueError, TypeError) as exc:
        raise CapError(f"cannot sign: {exc}") from None
    validate(signed)
    return _serialise(signed)


def verify(xml_bytes: bytes, cert_pem: bytes | str) -> bytes:
    """Check the enveloped signature against ``cert_pem``; return the signed alert alone.

    Raises :class:`CapError` if the document is hostile, unsigned, signed by another key or
    changed after signing.
    """
    parse_safely(xml_bytes, max_bytes=MAX_BYTES)
    cert = cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        result = XMLVerifier().verify(
            xml_bytes, x509_cert=cert, expect_config=_EXPECT, parser=parser
        )
    except (SignXMLException, ValueError) as exc:
        raise CapError(f"signature verification failed: {exc}") from None
    signed = result.signed_xml if not isinstance(result, list) else result[0].signed_xml
    if signed is None or signed.tag != f"{{{CAP_NS}}}alert":
        raise CapError("signature verification failed: the signature does not cover <alert>")
    return _serialise(signed)
