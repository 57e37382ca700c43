"""Exchange formats shared with other qualitative-analysis tools (REFI-QDA)."""
