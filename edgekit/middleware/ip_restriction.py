"""``ip_restriction()``: allow or deny requests by client IP address, IPv4 and IPv6, CIDRs included.

```python
from edgekit.middleware.ip_restriction import ip_restriction

app.use("/admin/*", ip_restriction(allow=["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"]))
app.use(ip_restriction(deny=["198.51.100.0/24"]))
app.use(ip_restriction(get_ip=lambda c: c.req.header("x-real-ip"), allow=["192.168.0.0/16"]))
```

Rules, in order: an address in ``deny`` is refused; when ``allow`` is given, an address
not in it is refused (an empty ``allow`` list refuses everyone, so an allow-list read
from configuration that turns up empty fails closed); anything else passes. ``"*"``
stands for every address. A refusal is a 403 (an ``HTTPException``).

The client address comes from ``get_ip(c)`` (sync or async, returning a str or None).
The default, :func:`client_ip`, takes the peer address the runtime adapter saw
(``c.req.raw.remote_address``: the ASGI adapter sets it from the server's connection)
and, where the adapter knows none (Workers), the ``CF-Connecting-IP`` header that
Cloudflare sets on every request it forwards. Behind your own proxy the peer is the
proxy: pass a ``get_ip`` that reads the header your proxy sets.

Fail-closed rules: no address, or one that does not parse as an IP address, is refused
even when only a deny list is configured. IPv4-mapped IPv6 addresses
(``::ffff:203.0.113.7``) are checked as the IPv4 address they carry, so a deny list
cannot be walked around by rewriting an address.
"""

from __future__ import annotations

import ipaddress

from ..compose import resolve
from ..http_exception import HTTPException

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]
    Network = ipaddress.IPv4Network | ipaddress.IPv6Network
    Address = ipaddress.IPv4Address | ipaddress.IPv6Address
    GetIP = Callable[[Context], str | None | Awaitable[str | None]]

_EVERYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


def client_ip(c: Context) -> str | None:
    """The connection's peer address if the adapter knows it, else the ``CF-Connecting-IP`` header.

    The header is only read when there is no peer address: on Workers, where Cloudflare
    sets it and a client cannot forge it.
    """
    peer = c.req.raw.remote_address
    if peer is not None:
        return peer
    value: str | None = c.req.header("cf-connecting-ip")
    return value


def parse_networks(entries: Iterable[str], what: str) -> tuple[Network, ...]:
    """IP addresses, CIDRs and ``"*"`` as networks; ValueError naming a bad entry.

    A CIDR with host bits set (``10.0.0.1/8``) is refused as ambiguous: write ``10.0.0.0/8``.
    """
    if isinstance(entries, str):
        entries = [entries]
    networks: list[Network] = []
    for entry in entries:
        if not isinstance(entry, str):
            raise TypeError(f"ip_restriction() {what} entries must be str, not {type(entry).__name__}")
        if entry.strip() == "*":
            networks.extend(_EVERYWHERE)
            continue
        try:
            network = ipaddress.ip_network(entry.strip())
        except ValueError as err:
            raise ValueError(f"ip_restriction() {what}: {err}") from None
        mapped = getattr(network.network_address, "ipv4_mapped", None)
        if mapped is not None and network.prefixlen >= 96:
            network = ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
        networks.append(network)
    return tuple(networks)


def parse_client(value: object) -> Address | None:
    """A client address as given by ``get_ip`` (``[::1]`` brackets allowed), or None.

    IPv4-mapped IPv6 addresses come back as IPv4.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _within(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def ip_restriction(
    *,
    allow: Iterable[str] | None = None,
    deny: Iterable[str] = (),
    get_ip: GetIP = client_ip,
) -> Middleware:
    """Middleware that answers 403 to clients ``deny`` names or ``allow`` does not (see the module doc).

    Configuration errors (a bad address or CIDR, neither list given) raise here.
    """
    denied = parse_networks(deny, "deny")
    allowed = None if allow is None else parse_networks(allow, "allow")
    if allowed is None and not denied:
        raise ValueError("ip_restriction() needs allow= or deny=")

    async def ip_restriction_middleware(c: Context, next: Next) -> None:
        address = parse_client(await resolve(get_ip(c)))
        if address is None:
            raise HTTPException(403, "Forbidden: the client address is missing or not an IP address")
        if _within(address, denied) or (allowed is not None and not _within(address, allowed)):
            raise HTTPException(403, "Forbidden: the client address is not allowed")
        await next()

    return ip_restriction_middleware
