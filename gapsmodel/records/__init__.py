"""What is stored and who may do what: the store, accounts and sign-in sessions, the table's sessions and
agreements, approvals, permissions, catalog editing and the demo data."""
