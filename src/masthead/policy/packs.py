"""The policy packs shipped with Masthead, and choosing a policy by configuration (a pack name or a file)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from masthead.policy.compiler import load_policy, load_policy_text
from masthead.policy.evaluate import Policy
from masthead.policy.model import PolicyError, Problem

PACK_NAMES: tuple[str, ...] = ("news-credential", "label-only", "harm-only")
DEFAULT_PACK = "news-credential"


def pack_text(name: str) -> str:
    if name not in PACK_NAMES:
        raise PolicyError([Problem(name, 1, f"no policy pack {name!r} (packs: {', '.join(PACK_NAMES)})")])
    return resources.files("masthead.policy").joinpath("packs", f"{name}.toml").read_text(encoding="utf-8")


def load_pack(name: str) -> Policy:
    return load_policy_text(pack_text(name), f"pack:{name}")


def resolve_policy(spec: str) -> Policy:
    """MASTHEAD_POLICY's value: a pack name, or the path of a policy file."""
    if spec in PACK_NAMES:
        return load_pack(spec)
    if not Path(spec).is_file():
        raise PolicyError([Problem(spec, 1, f"neither a policy pack ({', '.join(PACK_NAMES)}) nor a policy file")])
    return load_policy(spec)
