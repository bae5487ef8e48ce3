"""minsheng-kg library: parse 民生实事 lists, store commitments, build the knowledge graph."""

__version__ = "0.3.0"
