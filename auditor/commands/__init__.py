"""One module per command: ``run(settings) -> exit code``. The CLI calls these."""
