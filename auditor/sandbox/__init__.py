"""A local Intellixent-compatible API for demos, tests and trying auditor without a key.

``auditor.sandbox.data`` builds a seeded, realistic sample fleet (mostly compliant, with
a documented handful of violations); ``auditor.sandbox.server`` serves it over real HTTP
exactly as SPEC §1 describes, with fault injection for testing clients.

Importing this package is cheap; the submodules are imported where they are used.
"""
