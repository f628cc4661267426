"""The warehouse's errors, in words. Their own module so that `dialect` (which raises them before
a connection opens) and `engine` (which runs the statements) need not import each other."""


class WarehouseError(RuntimeError):
    """A warehouse problem explained in words: unreachable, missing, or not the contract."""


class WarehouseTimeout(WarehouseError):
    """A query ran past the timeout and was cancelled."""
