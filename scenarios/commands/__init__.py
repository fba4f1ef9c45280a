"""One module per ``siting`` sub-command; each defines ``command`` (a click command)."""
