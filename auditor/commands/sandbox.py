"""`auditor sandbox`: serve a local Intellixent-compatible API until Ctrl-C."""

from __future__ import annotations

import click

from auditor.settings import SandboxSettings


def run(settings: SandboxSettings) -> int:
    """Start the sandbox on ``host:port``, print how to use it, serve until Ctrl-C (0)."""
    from auditor.sandbox.data import summarize
    from auditor.sandbox.server import Sandbox

    sandbox = Sandbox(settings)
    faults = _describe_faults(settings)
    lines = [
        f"sandbox API serving {summarize(sandbox.fleet)} (seed {settings.seed})",
        f"  base URL:  {sandbox.base_url}",
        f"  API key:   {sandbox.api_key}",
    ]
    if faults:
        lines.append(f"  faults:    {faults}")
    lines += [
        f"  try:       auditor audit --base-url {sandbox.base_url} --api-key {sandbox.api_key}",
        "  stop:      Ctrl-C",
    ]
    click.echo("\n".join(lines))
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        if not settings.output.quiet:
            click.echo("sandbox stopped", err=True)
    return 0


def _describe_faults(settings: SandboxSettings) -> str:
    parts: list[str] = []
    if settings.latency_ms:
        parts.append(f"latency {settings.latency_ms:g} ms")
    if settings.rate_limit_every:
        after = "no Retry-After"
        if settings.retry_after:
            after = f"Retry-After {settings.retry_after:g}"
        parts.append(f"429 every {settings.rate_limit_every} requests ({after})")
    if settings.fail_pages:
        pages = ",".join(str(p) for p in settings.fail_pages)
        parts.append(f"pages {pages} answer {settings.fail_status}")
    if settings.fail_rate:
        parts.append(f"{settings.fail_rate:.0%} of requests answer {settings.fail_status}")
    if settings.lie_about_total:
        parts.append(f"total off by {settings.lie_about_total:+d}")
    parts.extend(settings.faults)
    return "; ".join(parts)
