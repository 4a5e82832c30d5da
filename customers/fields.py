"""PostgreSQL ``cidr`` as a model field holding ``ipaddress`` networks.

psycopg 3 already adapts ``ipaddress`` networks to ``cidr`` and back; this field only
validates on the way in (host bits set is an error, not silently masked) so bad input fails
in Python with a clear message instead of deep in the database."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(value: Any) -> Network:
    """A network from text or an ipaddress object; strict about host bits."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        network = value
    else:
        text = str(value).strip()
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            message = str(exc)
            if "host bits set" in message:
                raise ValidationError(f"{text!r} has host bits set", code="host_bits") from exc
            raise ValidationError(f"{text!r} is not a valid CIDR network", code="invalid") from exc
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped:
        raise ValidationError("write IPv4-mapped IPv6 networks as IPv4", code="mapped")
    return network


class CidrField(models.Field):
    description = "An IPv4 or IPv6 network (PostgreSQL cidr)"

    def db_type(self, connection: Any) -> str:
        return "cidr"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Network | None:
        if value is None:
            return None
        return parse_network(value)

    def to_python(self, value: Any) -> Network | None:
        if value is None or value == "":
            return None
        return parse_network(value)

    def get_prep_value(self, value: Any) -> Network | None:
        return self.to_python(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.CharField, **kwargs})


class _NetLookup(models.Lookup):
    operator = ""

    def get_prep_lookup(self) -> Any:
        # The right side may be an address or a network; PostgreSQL compares inet with cidr.
        value = self.rhs
        if isinstance(value, str):
            value = value.strip()
            try:
                return ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValidationError(f"{value!r} is not an IP address or network") from exc
        return value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}::inet", (*lhs_params, *rhs_params)


@CidrField.register_lookup
class NetContainsOrEquals(_NetLookup):
    """``network >>= value``: the network contains (or is) the address or network."""

    lookup_name = "net_contains_or_equals"
    operator = ">>="


@CidrField.register_lookup
class NetContainedOrEqual(_NetLookup):
    """``network <<= value``: the network lies inside (or is) the given network."""

    lookup_name = "net_contained_or_equal"
    operator = "<<="


@CidrField.register_lookup
class MaskLen(models.Transform):
    lookup_name = "masklen"
    function = "masklen"
    output_field = models.IntegerField()
