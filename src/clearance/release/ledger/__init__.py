"""The deployment ledger: one interface (`interface.Ledger`), two backends.

- `sqlite.SqliteLedger`: embedded, the default outside GitHub Actions (`.clearance/ledger.db`).
- `github.GitHubLedger`: GitHub Deployments through PyGithub (REST writes, GraphQL reads).

Both pass the same behavioural test suite (`tests/unit/release/test_ledger_behaviour.py`);
`transfer` moves a history between them as JSON.
"""
