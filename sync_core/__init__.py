"""The Entra ID -> Emply People sync engine: pure rules, a planner and I/O adapters."""
