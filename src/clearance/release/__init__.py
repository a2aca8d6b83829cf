"""Release: deployment metadata, the deployment ledger, promotion of one digest, rollback.

- `metadata`: who/what/when of this run (digests, commit, ref, run, version), in several formats.
- `records`: the deployment record every ledger backend stores and every command reads.
- `ledger/`: one interface (`interface.Ledger`), two backends (`sqlite`, `github`), and the
  JSON export/import between them.
- `timeline`: questions asked of an environment's history (current, last good, pending).
- `gates`: the `Gate` protocol and the built-in promotion gates; `promote`, `rollback` and
  `deploy` decide and record.
"""
