"""The SQL side of the query layer: the warehouse contract, the engine and its dialects, and the
statements that turn a scope and a month into small aggregate frames in the warehouse."""
