"""Where a webhook may point (API.md §9.2): public addresses only, unless the deployment
allows private ones. The host is resolved when the webhook is saved and again before every
attempt, and the attempt connects to the address that was checked, so a name that starts
resolving to an internal address later (DNS rebinding) is refused rather than followed."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefusedError(Exception):
    """Why a URL may not receive webhooks, in words fit for the API's error message."""


@dataclass(frozen=True)
class Target:
    url: SplitResult
    host: str
    port: int


def parse_target(raw: str, *, allow_private: bool) -> Target:
    """The URL's parts, or AddressRefusedError for anything but an absolute http(s) URL."""
    if len(raw) > MAX_URL_LENGTH or any(ch.isspace() for ch in raw):
        raise AddressRefusedError("url must be an absolute https:// URL of at most 2048 characters")
    try:
        url = urlsplit(raw)
        port = url.port
    except ValueError:
        raise AddressRefusedError("url is not a valid URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if url.scheme not in schemes:
        raise AddressRefusedError(
            "url must use https://" if not allow_private else "url must use http(s)://"
        )
    if not url.hostname:
        raise AddressRefusedError("url must name a host")
    if url.username is not None or url.password is not None:
        raise AddressRefusedError("url must not carry credentials")
    default_port = 443 if url.scheme == "https" else 80
    return Target(url, url.hostname, port or default_port)


def refused_reason(address: IpAddress) -> str | None:
    """Why an address is not public (loopback, private, link-local, metadata, …)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


async def resolve(target: Target, *, allow_private: bool) -> list[IpAddress]:
    """The host's addresses, every one of them allowed; AddressRefusedError otherwise."""
    try:
        literal: IpAddress | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM
            )
        except OSError:
            raise AddressRefusedError(f"{target.host} does not resolve") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private:
        # Every address, not only the first: a client may be handed any of them.
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise AddressRefusedError(f"{target.host} resolves to {reason}")
    if not addresses:
        raise AddressRefusedError(f"{target.host} does not resolve")
    return addresses


def pinned_url(target: Target, address: IpAddress) -> str:
    """The target URL with its host replaced by the checked address."""
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{target.port}"
    return target.url._replace(netloc=netloc).geturl()


def host_header(target: Target) -> str:
    default_port = 443 if target.url.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default_port else f"{host}:{target.port}"
