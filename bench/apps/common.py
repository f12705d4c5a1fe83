"""The payloads and checks shared by every app (no imports: cold start loads it)."""

USER_NAME = "Ada Lovelace"
TEXT = "ok"  # body of every extra route


def user_body(user_id: str) -> dict:
    return {"id": user_id, "name": USER_NAME}


def echo_payload() -> dict:
    """A JSON object of about 1 KB once encoded: nested, mixed types, some unicode."""
    return {
        "id": "evt_0123456789",
        "type": "order.created",
        "created": 1767225600,
        "livemode": False,
        "customer": {"name": "Zoë Ångström", "email": "zoe@example.com", "tags": ["vip", "beta", "eu"]},
        "items": [
            {"sku": f"SKU-{i:04d}", "name": f"Widget {i}", "qty": i % 3 + 1, "price": 9.99 + i, "gift": i % 2 == 0}
            for i in range(6)
        ],
        "shipping": {"line1": "1 Infinite Loop", "city": "Cupertino", "zip": "95014", "country": "US"},
        "notes": "leave at the door " * 14,
        "meta": {"source": "bench", "version": 3, "ratio": 0.125, "none": None},
    }
