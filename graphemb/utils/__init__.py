"""Shared utilities: seeding, devices, validation, progress, atomic io."""

from .device import resolve_device
from .io import atomic_open, atomic_save_npy, atomic_write_bytes, atomic_write_json, atomic_write_text, load_npy
from .progress import get_logger, progress
from .random import check_random_state, seed_from, stable_node_hash, torch_generator
from .validation import check_bool, check_choice, check_float, check_int

__all__ = [
    "resolve_device", "atomic_open", "atomic_save_npy", "atomic_write_bytes", "atomic_write_json",
    "atomic_write_text", "load_npy", "get_logger", "progress", "check_random_state", "seed_from",
    "stable_node_hash", "torch_generator", "check_bool", "check_choice", "check_float", "check_int",
]
