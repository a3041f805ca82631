"""A stack's ports are distinct (a drill once got its sandbox and Temporal on one port)."""

from __future__ import annotations

from devstack import Ports, free_ports


def test_a_stack_gets_four_distinct_ports() -> None:
    for _ in range(200):
        ports = Ports.free()
        assert len({ports.api, ports.sandbox, ports.temporal, ports.temporal_ui}) == 4


def test_free_ports_are_distinct() -> None:
    for _ in range(50):
        taken = free_ports(8)
        assert len(set(taken)) == 8
