"""Exchange with other qualitative-analysis tools (REFI-QDA)."""
