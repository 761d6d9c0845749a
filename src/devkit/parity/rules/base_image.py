"""base_image: the run's base image has the same digest as staging's."""

from __future__ import annotations

from devkit.parity.probe import BASE_DIGEST_ENV
from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "base_image"
NEEDS_RUN = True


def _image(fp: dict[str, object]) -> tuple[str | None, str | None]:
    image = fp.get("base_image")
    if not isinstance(image, dict):
        return None, None
    return image.get("ref"), image.get("digest")


HOST_TARGET = "host-venv"  # devkit.host.plan.WHERE (a rule imports no capability package)


def evaluate(inp: CheckInputs) -> RuleResult:
    ref_name, ref_digest = _image(inp.reference)
    run_name, run_digest = _image(inp.run_fp)
    where = inp.run.data.get("where") if inp.run else None
    if where == HOST_TARGET:
        return skipped(
            ID,
            "the run used the host target (.devkit/venv on this machine): there is no image "
            "to compare",
            f"staging runs {ref_name or 'a base image'}; run 'devkit init --target container' "
            "where an engine answers to compare it"
            if ref_digest
            else "",
        )
    if not ref_digest:
        return skipped(ID, "the reference records no base image digest")
    shown_expected = f"{ref_name or '?'}@{ref_digest}"
    if run_digest == ref_digest:
        return passed(
            ID, f"base image {run_name or '?'}", shown_expected, f"{run_name}@{run_digest}"
        )
    if not run_digest:
        where = inp.run.data.get("where") if inp.run else None
        return failed(
            ID,
            f"the run ({where or 'unknown place'}) records no base image digest",
            shown_expected,
            "none",
            f"run in the dev container ('devkit run -- CMD'), which sets {BASE_DIGEST_ENV}",
        )
    return failed(
        ID,
        "the run's base image differs from staging's",
        shown_expected,
        f"{run_name or '?'}@{run_digest}",
        f"rebuild the dev container on {ref_name or 'staging’s base image'} ('devkit init') "
        "and run again",
    )
