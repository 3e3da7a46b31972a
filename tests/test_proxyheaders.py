"""The client's address behind a trusted reverse proxy (FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

import pytest

from yingji.proxyheaders import ProxyHeaders, Trusted, client_address

LOOPBACK = Trusted("127.0.0.1,::1")


def test_a_trusted_proxy_passes_on_the_client_address():
    assert client_address("127.0.0.1", "203.0.113.7", LOOPBACK) == "203.0.113.7"
    assert client_address("::1", "203.0.113.7", LOOPBACK) == "203.0.113.7"


def test_an_untrusted_peer_cannot_claim_another_address():
    """A client talking to the server directly cannot dodge the sign-in limit or reach the
    loopback-only /metrics by sending the header itself."""
    assert client_address("198.51.100.9", "127.0.0.1", LOOPBACK) == "198.51.100.9"


def test_entries_a_client_wrote_before_the_proxy_are_ignored():
    """The proxy appends what it saw; the left of the list is the client's own claim."""
    chain = "127.0.0.1, 10.9.9.9, 203.0.113.7"
    assert client_address("127.0.0.1", chain, LOOPBACK) == "203.0.113.7"
    two_proxies = Trusted("127.0.0.1,10.0.0.0/24")
    assert client_address("127.0.0.1", "203.0.113.7, 10.0.0.5", two_proxies) == "203.0.113.7"
    assert client_address("127.0.0.1", " , ", LOOPBACK) == "127.0.0.1"


def test_any_peer_with_a_star():
    assert client_address("198.51.100.9", "203.0.113.7", Trusted("*")) == "203.0.113.7"


@pytest.mark.parametrize("spec", ["10.0.0.300", "proxy.example", "10.0.0.0/99", "1.2.3.4;rm"])
def test_a_malformed_trust_list_is_refused_with_the_entry(spec):
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        Trusted(f"127.0.0.1,{spec}")


def test_the_wsgi_wrapper_rewrites_remote_addr_only_for_trusted_peers():
    seen: list[str] = []

    def app(environ, start_response):
        seen.append(environ["REMOTE_ADDR"])
        return [b""]

    wrapped = ProxyHeaders(app, "127.0.0.1")
    wrapped({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, None)
    wrapped({"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, None)
    wrapped({"REMOTE_ADDR": "127.0.0.1"}, None)
    assert seen == ["203.0.113.7", "198.51.100.9", "127.0.0.1"]
