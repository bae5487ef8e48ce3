"""Semantic search over commitments: embeddings + faiss, BM25 over jieba words and bigrams, fusion.

Import the submodules directly (``search.engine``, ``search.evaluate``); this package
imports nothing heavy so that the CLI starts fast.
"""
