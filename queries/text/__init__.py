"""What customers say: the codeframe, tagging comments with themes and sentiment (offline, by
rules), masking personal details, and the batch step that writes the tags to the warehouse."""
