"""Measures read from the ledger: the four DORA keys (`dora`), their renderings (`render`) and
the self-contained dashboard page (`dashboard`)."""
