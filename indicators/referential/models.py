"""The referential models arrive with the referential issue."""
