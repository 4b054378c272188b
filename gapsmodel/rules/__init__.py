"""The rules of DOMAIN.md as pure functions over frames: catalog, territory, periods, combination,
gaps, data quality and protection. Imports nothing else of the project."""
