"""French formats the portal prefers to Django's: times written 09h30, as French typography
does (the Imprimerie nationale's lexicon), rather than 09:30. Everything else is Django's."""

TIME_FORMAT = r"H\hi"
SHORT_DATETIME_FORMAT = r"d/m/Y H\hi"
