"""Units 单位: the organisations that run premises, and their responsible persons."""
