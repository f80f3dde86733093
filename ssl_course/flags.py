"""Config fields that carry their own help, choices and bounds, and the command-line flags made from them.

A field is declared once, with everything a user needs to set it::

    lr: float = setting(0.1, "base lr for a batch of 256, scaled linearly", above=0)

``validate_fields(config)`` checks every field's choices and bounds in one place, and
``add_flags(parser, TrainConfig)`` gives each field a flag (``--lr``) whose default is ``None``:
a flag left out keeps the preset's value, so a command line cannot drift from the presets.

Example:
    >>> import argparse, dataclasses
    >>> @dataclasses.dataclass
    ... class Toy:
    ...     depth: int = setting(2, "layers", at_least=1)
    ...     act: str = setting("relu", "activation", choices=("relu", "gelu"))
    >>> parser = argparse.ArgumentParser()
    >>> add_flags(parser, Toy)
    >>> vars(parser.parse_args(["--depth", "3"]))
    {'depth': 3, 'act': None}
    >>> validate_fields(Toy(act="tanh"))
    Traceback (most recent call last):
    ...
    ValueError: unknown act 'tanh'; valid: relu, gelu
"""
from __future__ import annotations

import argparse
import dataclasses
import typing


def setting(default, help: str, *, choices=None, at_least=None, above=None, below=None, flag: str | None = None):
    """A dataclass field with its help text, its valid ``choices`` (a tuple, or a function returning
    one: a registry read when checked), bounds (``at_least`` <= v, ``above`` < v, v < ``below``) and,
    rarely, a flag name other than ``--field-name``."""
    metadata = {"help": help, "choices": choices, "at_least": at_least, "above": above, "below": below, "flag": flag}
    return dataclasses.field(default=default, metadata=metadata)


def choices_of(field: dataclasses.Field) -> tuple | None:
    choices = field.metadata.get("choices")
    return tuple(choices()) if callable(choices) else choices


def validate_fields(config) -> None:
    """One-line ``ValueError`` for the first field outside its choices or bounds (``None`` always passes:
    it means "the default")."""
    for field in dataclasses.fields(config):
        value, meta = getattr(config, field.name), field.metadata
        if value is None or not meta:
            continue
        choices = choices_of(field)
        if choices is not None and value not in choices:
            raise ValueError(f"unknown {field.name} {value!r}; valid: {', '.join(map(str, choices))}")
        low, above, below = meta.get("at_least"), meta.get("above"), meta.get("below")
        if below is not None and not (low if low is not None else float("-inf")) <= value < below:
            raise ValueError(f"{field.name} must be in [{low}, {below}), got {value}")
        if low is not None and below is None and value < low:
            raise ValueError(f"{field.name} must be >= {low}, got {value}")
        if above is not None and value <= above:
            raise ValueError(f"{field.name} must be > {above}, got {value}")


def _kind(annotation) -> type:
    """int for ``int | None``, and so on: the type a flag parses."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def add_flags(parser: argparse.ArgumentParser, cls, skip=(), defaults_note: str = "", rename: dict | None = None) -> None:
    """One flag per field of the dataclass ``cls`` (except ``skip``), default ``None``: booleans as
    ``--x/--no-x``, the rest parsed by the field's type, with its choices and help; ``rename`` gives
    a script its own flag for a field (``{"num_workers": "--workers"}``)."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if field.name in skip:
            continue
        meta = field.metadata
        if "help" not in meta:
            raise TypeError(f"{cls.__name__}.{field.name} has no help text: declare it with flags.setting")
        flag = (rename or {}).get(field.name) or meta.get("flag") or "--" + field.name.replace("_", "-")
        kind = _kind(hints[field.name])
        text = meta["help"] + defaults_note
        if kind is bool:
            parser.add_argument(flag, dest=field.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        else:
            parser.add_argument(flag, dest=field.name, type=kind, default=None, choices=choices_of(field), help=text)
