"""An aggregation key gives back the resource it was made from, colons and all."""

from __future__ import annotations

import pytest

from complaints.classification import aggregation_key, key_resource


@pytest.mark.parametrize(
    "resource", ["192.0.2.7", "2001:db8::1", "http://shop.example:8080/a:b", "shop.example"]
)
@pytest.mark.parametrize("customer_id", [None, 42])
def test_a_per_resource_key_names_its_resource(customer_id: int | None, resource: str) -> None:
    key = aggregation_key(customer_id=customer_id, type_="spam", resource=resource, bulk=False)
    assert key_resource(key) == resource


def test_a_per_customer_key_names_none() -> None:
    key = aggregation_key(customer_id=42, type_="ddos-amplifier", resource="2001:db8::1", bulk=True)
    assert key_resource(key) == ""
