"""Writers: the results folder, spreadsheets and exchange formats (all read the tidy table)."""
