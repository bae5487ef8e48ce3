"""The minsheng HTTP API: a thin FastAPI layer over kg/ and search/."""
