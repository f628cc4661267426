"""The one error the board pack raises."""


class PackError(RuntimeError):
    """The pack cannot be built (no Chromium, no fonts, unwritable folder): one clear line."""
