"""The `minsheng` command line: thin typer commands over kg/ and search/."""
