"""Build hook: the wheel carries the pinned KERN UX files the app serves, so an installed wheel
serves styled pages without npm. Editable installs read them from ./node_modules instead."""
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

KERN = Path("node_modules") / "@kern-ux" / "native" / "dist"


class AssetsHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        dist = Path(self.root) / KERN
        if not (dist / "kern.min.css").is_file():
            raise RuntimeError(f"{KERN} is missing: run `npm ci` before building the wheel")
        build_data["force_include"][str(dist)] = "lms/assets/kern"
