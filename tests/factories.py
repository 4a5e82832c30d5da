"""factory_boy factories for the project's models."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import factory

from customers.models import Customer, Domain, IPAllocation, Network, Service

T0 = datetime(2024, 1, 1, tzinfo=UTC)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    prefix = factory.Sequence(lambda n: ipaddress.ip_network(f"10.{n % 250}.0.0/16"))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"Test Customer {n}")
    abuse_email = factory.LazyAttribute(lambda o: f"abuse@{o.external_id.lower()}.example")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    customer = factory.SubFactory(CustomerFactory)
    label = factory.Sequence(lambda n: f"host{n}.hosting.example")


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IPAllocation

    network = factory.Sequence(lambda n: ipaddress.ip_network(f"192.0.2.{(n % 64) * 4}/30"))
    customer = factory.SubFactory(CustomerFactory)
    valid_from = T0
    valid_to = None


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    name = factory.Sequence(lambda n: f"site{n}.example")
    customer = factory.SubFactory(CustomerFactory)
    valid_from = T0
